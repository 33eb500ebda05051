import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { testKafka } from '@restock/testing';

// BrokerRequests.java reads a local broker's request counts and per-topic traffic over JMX (how the
// tenth pass in docs/benchmarks.md counted the product's requests). It attaches to the broker's JVM
// by pid, so it can only be checked against the broker deploy/local-kafka/kafka.sh started; a
// broker in Docker or elsewhere has no local pid, and the test is then skipped, not passed.
const run = promisify(execFile);
const JAVA_TIMEOUT_MS = 60_000;
const MESSAGES = 10;

function localBrokerPid(): string | null {
  const cacheDir = process.env.RESTOCK_CACHE_DIR ?? join(homedir(), '.cache', 'restock');
  const pidFile = join(process.env.RESTOCK_KAFKA_STATE_DIR ?? join(cacheDir, 'kafka-state'), 'kafka.pid');
  if (!existsSync(pidFile)) return null;
  const pid = readFileSync(pidFile, 'utf8').trim();
  try {
    process.kill(Number(pid), 0);
    return pid;
  } catch {
    return null;
  }
}

async function brokerCounts(pid: string): Promise<Map<string, number>> {
  const { stdout } = await run('java', [join(__dirname, 'BrokerRequests.java'), pid], { timeout: JAVA_TIMEOUT_MS });
  return new Map(
    stdout
      .trim()
      .split('\n')
      .map((line) => {
        const [name, value] = line.split('\t');
        return [name!, Number(value)] as const;
      }),
  );
}

/** A count the broker has no metric for yet is 0: it registers a request's or topic's metrics when it first sees one. */
function grown(before: Map<string, number>, after: Map<string, number>, name: string): number {
  return (after.get(name) ?? 0) - (before.get(name) ?? 0);
}

const pid = localBrokerPid();
const itWithLocalBroker = pid === null ? it.skip : it;

describe('bench/broker/BrokerRequests.java', () => {
  itWithLocalBroker(
    'counts the produce requests and the messages and bytes a topic took between two readings',
    async () => {
      const kafka = testKafka('broker-requests');
      const topic = kafka.namer.physical('smoke');
      await kafka.createTopics(['smoke'], 1);
      try {
        const before = await brokerCounts(pid!);
        await kafka.publish('smoke', Array.from({ length: MESSAGES }, (_, index) => ({ key: null, value: `message ${index}` })));
        const after = await brokerCounts(pid!);

        expect(before.has(`topic ${topic} MessagesInPerSec`)).toBe(false);
        expect(after.get(`topic ${topic} MessagesInPerSec`)).toBe(MESSAGES);
        expect(after.get(`topic ${topic} BytesInPerSec`)).toBeGreaterThan(0);
        expect(grown(before, after, 'requests Produce')).toBeGreaterThanOrEqual(1);
        expect(grown(before, after, 'all topics MessagesInPerSec')).toBeGreaterThanOrEqual(MESSAGES);
      } finally {
        await kafka.close();
        const admin = kafka.kafka.admin();
        await admin.connect();
        await admin.deleteTopics({ topics: [topic] }).finally(() => admin.disconnect());
      }
    },
    3 * JAVA_TIMEOUT_MS,
  );
});
