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
const JAVA_TOPIC_PARTITIONS = 6;

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
if (classpath === null) process.stderr.write('java-client.int.spec: no Java or Maven here, so the Java client cannot run; skipped\n');

async function java(args: readonly string[], input?: string): Promise<string> {
  const child = run('java', ['-cp', classpath!, JAVA_CLIENT, ...args], { timeout: JAVA_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
  child.child.stdin!.end(input ?? '');
  return (await child).stdout;
}

interface JavaRecord {
  readonly partition: number;
  readonly value: string;
}

/** The Java client's lines ("topic TAB partition TAB value"), by topic. */
function recordsByTopic(output: string): Map<string, JavaRecord[]> {
  const records = new Map<string, JavaRecord[]>();
  for (const line of output.split('\n').filter((entry) => entry.length > 0)) {
    const [topic, partition, ...value] = line.split('\t');
    records.set(topic!, [...(records.get(topic!) ?? []), { partition: Number(partition), value: value.join('\t') }]);
  }
  return records;
}

function valuesByTopic(output: string): Map<string, string[]> {
  return new Map([...recordsByTopic(output)].map(([topic, records]) => [topic, records.map((record) => record.value)]));
}

function message(codec: string, index: number): string {
  return JSON.stringify({ codec, index, padding: PADDING });
}

describeWithJava("what Restock and Kafka's Java client exchange", () => {
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

    async function publishThrough(relayName: string, topic: string, compression: KafkaCompression, keyOf = (index: number) => `key-${index % 5}`): Promise<void> {
      await kafka.createTopics([topic], JAVA_TOPIC_PARTITIONS);
      await db.transaction(async (tx) => {
        await appendToStreams(tx, [{ streamId: relayName, expectedVersion: 0, events: [{ id: `${relayName}-event`, type: 'Happened', data: {} }] }]);
        await enqueue(tx, Array.from({ length: MESSAGES_PER_TOPIC }, (_, index) => ({ topic, key: keyOf(index), value: JSON.parse(message(compression, index)) as object })));
      });
      const relay = new OutboxRelay({ db, kafka: kafka.kafka, namer: kafka.namer, relayName, compression });
      relay.start();
      try {
        await kafka.readUntil(topic, (messages) => messages.length >= MESSAGES_PER_TOPIC, 60_000);
      } finally {
        await relay.stop();
      }
    }

    it("puts each key on the partition the Java client's default partitioner gives it", async () => {
      const sku = (index: number) => `SKU-${index}`;
      await publishThrough('relay-keys', 'relay.keys.v1', 'none', sku);
      await kafka.createTopics(['java.keys.v1'], JAVA_TOPIC_PARTITIONS);
      const [ours, theirs] = ['relay.keys.v1', 'java.keys.v1'].map((topic) => kafka.namer.physical(topic));
      const lines = Array.from({ length: MESSAGES_PER_TOPIC }, (_, index) => `${theirs!}\t${sku(index)}\t${message('none', index)}`);
      await java(['produce', kafka.brokers.join(','), `${theirs!}=none`], `${lines.join('\n')}\n`);

      const read = recordsByTopic(await java(['consume', kafka.brokers.join(','), String(2 * MESSAGES_PER_TOPIC), ours!, theirs!]));
      const partitionsByIndex = (topic: string) => new Map((read.get(topic) ?? []).map((record) => [(JSON.parse(record.value) as { index: number }).index, record.partition]));
      const [relayed, javas] = [partitionsByIndex(ours!), partitionsByIndex(theirs!)];
      expect(relayed.size).toBe(MESSAGES_PER_TOPIC);
      expect(new Set(javas.values()).size).toBe(JAVA_TOPIC_PARTITIONS);
      expect([...relayed].sort(([a], [b]) => a - b)).toEqual([...javas].sort(([a], [b]) => a - b));
    }, 180_000);

    it('compresses what it publishes as configured, and a Java consumer reads it', async () => {
      await publishThrough('relay-plain', 'relay.plain.v1', 'none');
      await publishThrough('relay-lz4', 'relay.lz4.v1', 'lz4');
      const [plain, lz4] = ['relay.plain.v1', 'relay.lz4.v1'].map((topic) => kafka.namer.physical(topic));

      const stored = new Map((await java(['log-bytes', kafka.brokers.join(','), plain!, lz4!])).trim().split('\n').map((line) => line.split('\t') as [string, string]));
      const bytes = (topic: string) => Number(stored.get(topic));
      expect(bytes(plain!)).toBeGreaterThan(MESSAGES_PER_TOPIC * PADDING.length);
      expect(bytes(lz4!)).toBeLessThan(bytes(plain!) / 4);

      const read = valuesByTopic(await java(['consume', kafka.brokers.join(','), String(MESSAGES_PER_TOPIC), lz4!]));
      expect((read.get(lz4!) ?? []).map((value) => (JSON.parse(value) as { index: number }).index).sort((a, b) => a - b)).toEqual(Array.from({ length: MESSAGES_PER_TOPIC }, (_, index) => index));
    }, 180_000);
  });
});
