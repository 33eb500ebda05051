import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { appendToStreams, Database, enqueue, EVENT_STORE_MIGRATIONS, runMigrations } from '@restock/event-store';
import { createTestDatabase, TestDatabase, testKafka, TestKafka } from '@restock/testing';
import { compressionType, KafkaCompression } from './compression';
import { OutboxRelay } from './outbox-relay';

const run = promisify(execFile);
const REPO_ROOT = join(__dirname, '..', '..', '..');
const JAVA_CLIENT = join(__dirname, 'testing', 'JavaKafkaClient.java');
const CODECS: readonly Exclude<KafkaCompression, 'none'>[] = ['gzip', 'snappy', 'lz4', 'zstd'];
const MESSAGES_PER_TOPIC = 200;
/** Past one 32 KiB snappy block and one 64 KiB LZ4 block in every batch. */
const PADDING = 'restock '.repeat(100);
const JAVA_TIMEOUT_MS = 90_000;

/**
 * Apache Kafka's Java client, from the jars deploy/local-kafka fetches. Without Java and Maven (a
 * broker in Docker) the test is skipped, except in CI, where both are there to run the broker.
 */
function javaClasspath(): string | null {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
    return execFileSync('bash', [join(REPO_ROOT, 'deploy', 'local-kafka', 'kafka.sh'), 'classpath'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  } catch (error) {
    if (process.env.CI === 'true') throw error;
    return null;
  }
}

const classpath = javaClasspath();
const describeWithJava = classpath === null ? describe.skip : describe;
if (classpath === null) process.stderr.write('compression.int.spec: no Java or Maven here, so the Java client cannot run; skipped\n');

async function java(args: readonly string[], input?: string): Promise<string> {
  const child = run('java', ['-cp', classpath!, JAVA_CLIENT, ...args], { timeout: JAVA_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
  child.child.stdin!.end(input ?? '');
  return (await child).stdout;
}

function valuesByTopic(output: string): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const line of output.split('\n').filter((entry) => entry.length > 0)) {
    const tab = line.indexOf('\t');
    values.set(line.slice(0, tab), [...(values.get(line.slice(0, tab)) ?? []), line.slice(tab + 1)]);
  }
  return values;
}

function message(codec: string, index: number): string {
  return JSON.stringify({ codec, index, padding: PADDING });
}

describeWithJava("compressed batches between Restock and Kafka's Java client", () => {
  let kafka: TestKafka;

  beforeAll(() => {
    kafka = testKafka('compression');
  });

  afterAll(async () => {
    await kafka.close();
  });

  it('reads what a Java producer compressed with each codec Kafka has', async () => {
    const topics = CODECS.map((codec) => `java.${codec}.v1`);
    await kafka.createTopics(topics, 2);
    const lines = CODECS.flatMap((codec, at) => Array.from({ length: MESSAGES_PER_TOPIC }, (_, index) => `${kafka.namer.physical(topics[at]!)}\tkey-${index % 5}\t${message(codec, index)}`));
    await java(['produce', kafka.brokers.join(','), ...CODECS.map((codec, at) => `${kafka.namer.physical(topics[at]!)}=${codec}`)], `${lines.join('\n')}\n`);

    for (const [at, codec] of CODECS.entries()) {
      const read = await kafka.readUntil(topics[at]!, (messages) => messages.length >= MESSAGES_PER_TOPIC);
      const indexes = read.map((entry) => (JSON.parse(entry.value!.toString()) as { codec: string; index: number }).index).sort((a, b) => a - b);
      expect({ codec, indexes }).toEqual({ codec, indexes: Array.from({ length: MESSAGES_PER_TOPIC }, (_, index) => index) });
    }
  }, 180_000);

  it('sends batches compressed with each codec that a Java consumer reads', async () => {
    const topics = CODECS.map((codec) => `kafkajs.${codec}.v1`);
    await kafka.createTopics(topics, 2);
    const producer = kafka.kafka.producer();
    await producer.connect();
    try {
      for (const [at, codec] of CODECS.entries()) {
        const messages = Array.from({ length: MESSAGES_PER_TOPIC }, (_, index) => ({ key: `key-${index % 5}`, value: message(codec, index) }));
        await producer.send({ topic: kafka.namer.physical(topics[at]!), acks: -1, compression: compressionType(codec), messages });
      }
    } finally {
      await producer.disconnect();
    }

    const read = valuesByTopic(await java(['consume', kafka.brokers.join(','), String(CODECS.length * MESSAGES_PER_TOPIC), ...topics.map((topic) => kafka.namer.physical(topic))]));
    for (const [at, codec] of CODECS.entries()) {
      const values = read.get(kafka.namer.physical(topics[at]!)) ?? [];
      expect({ codec, values: [...values].sort() }).toEqual({ codec, values: Array.from({ length: MESSAGES_PER_TOPIC }, (_, index) => message(codec, index)).sort() });
    }
  }, 180_000);

  describe('the outbox relay', () => {
    let testDb: TestDatabase;
    let db: Database;

    beforeAll(async () => {
      testDb = await createTestDatabase('relay_compression');
      await runMigrations(testDb.url, 'relay', [...EVENT_STORE_MIGRATIONS]);
      db = new Database(testDb.url, 'relay');
    });

    afterAll(async () => {
      await db.close();
      await testDb.drop();
    });

    async function publishThrough(relayName: string, topic: string, compression: KafkaCompression): Promise<void> {
      await kafka.createTopics([topic], 2);
      await db.transaction(async (tx) => {
        await appendToStreams(tx, [{ streamId: relayName, expectedVersion: 0, events: [{ id: `${relayName}-event`, type: 'Happened', data: {} }] }]);
        await enqueue(tx, Array.from({ length: MESSAGES_PER_TOPIC }, (_, index) => ({ topic, key: `key-${index % 5}`, value: JSON.parse(message(compression, index)) as object })));
      });
      const relay = new OutboxRelay({ db, kafka: kafka.kafka, namer: kafka.namer, relayName, compression });
      relay.start();
      try {
        await kafka.readUntil(topic, (messages) => messages.length >= MESSAGES_PER_TOPIC, 60_000);
      } finally {
        await relay.stop();
      }
    }

    it('compresses what it publishes as configured, and a Java consumer reads it', async () => {
      await publishThrough('relay-plain', 'relay.plain.v1', 'none');
      await publishThrough('relay-lz4', 'relay.lz4.v1', 'lz4');
      const [plain, lz4] = ['relay.plain.v1', 'relay.lz4.v1'].map((topic) => kafka.namer.physical(topic));

      const stored = valuesByTopic(await java(['log-bytes', kafka.brokers.join(','), plain!, lz4!]));
      const bytes = (topic: string) => Number(stored.get(topic)?.[0]);
      expect(bytes(plain!)).toBeGreaterThan(MESSAGES_PER_TOPIC * PADDING.length);
      expect(bytes(lz4!)).toBeLessThan(bytes(plain!) / 4);

      const read = valuesByTopic(await java(['consume', kafka.brokers.join(','), String(MESSAGES_PER_TOPIC), lz4!]));
      expect((read.get(lz4!) ?? []).map((value) => (JSON.parse(value) as { index: number }).index).sort((a, b) => a - b)).toEqual(Array.from({ length: MESSAGES_PER_TOPIC }, (_, index) => index));
    }, 180_000);
  });
});
