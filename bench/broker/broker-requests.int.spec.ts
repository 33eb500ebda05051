import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createKafka, ensureTopics } from '@restock/messaging';
import { TEST_BROKERS } from '@restock/testing';

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

const pid = localBrokerPid();
const itWithLocalBroker = pid === null ? it.skip : it;

describe('bench/broker/BrokerRequests.java', () => {
  itWithLocalBroker(
    'counts the produce requests and the messages and bytes a topic took between two readings',
    async () => {
      const kafka = createKafka({ brokers: TEST_BROKERS, clientId: 'restock-broker-requests-test', topicPrefix: '' });
      const topic = `broker-requests-${randomUUID()}`;
      await ensureTopics(kafka, [{ name: topic, partitions: 1 }]);
      const producer = kafka.producer();
      await producer.connect();
      try {
        const before = await brokerCounts(pid!);
        await producer.send({ topic, acks: -1, messages: Array.from({ length: MESSAGES }, (_, index) => ({ value: `message ${index}` })) });
        const after = await brokerCounts(pid!);

        expect(before.has(`topic ${topic} MessagesInPerSec`)).toBe(false);
        expect(after.get(`topic ${topic} MessagesInPerSec`)).toBe(MESSAGES);
        expect(after.get(`topic ${topic} BytesInPerSec`)).toBeGreaterThan(0);
        expect(after.get('requests Produce')! - before.get('requests Produce')!).toBeGreaterThanOrEqual(1);
        expect(after.get('all topics MessagesInPerSec')! - before.get('all topics MessagesInPerSec')!).toBeGreaterThanOrEqual(MESSAGES);
      } finally {
        await producer.disconnect();
        const admin = kafka.admin();
        await admin.connect();
        await admin.deleteTopics({ topics: [topic] }).finally(() => admin.disconnect());
      }
    },
    3 * JAVA_TIMEOUT_MS,
  );
});
