import { appendToStreams, Database, enqueue, EVENT_STORE_MIGRATIONS, runMigrations } from '@restock/event-store';
import { createTestDatabase, javaKafkaClient, JavaRecord, TEST_BROKERS, TestDatabase, testKafka, TestKafka } from '@restock/testing';
import { compressionType, KafkaCompression } from './compression';
import { createIdempotentProducer } from './kafka';
import { OutboxRelay } from './outbox-relay';

const CODECS: readonly Exclude<KafkaCompression, 'none'>[] = ['gzip', 'snappy', 'lz4', 'zstd'];
const MESSAGES_PER_TOPIC = 200;
/** Past one 32 KiB snappy block and one 64 KiB LZ4 block in every batch. */
const PADDING = 'restock '.repeat(100);
const JAVA_TOPIC_PARTITIONS = 6;

const java = javaKafkaClient(TEST_BROKERS);
const describeWithJava = java === null ? describe.skip : describe;
if (java === null) process.stderr.write('java-client.int.spec: no Java or Maven here, so the Java client cannot run; skipped\n');

function message(codec: string, index: number): string {
  return JSON.stringify({ codec, index, padding: PADDING });
}

const indexOf = (value: string) => (JSON.parse(value) as { index: number }).index;
const everyIndex = Array.from({ length: MESSAGES_PER_TOPIC }, (_, index) => index);

function valuesOf(records: readonly JavaRecord[], topic: string): string[] {
  return records.filter((record) => record.topic === topic).map((record) => record.value);
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
    const records = CODECS.flatMap((codec, at) => everyIndex.map((index) => ({ topic: kafka.namer.physical(topics[at]!), key: `key-${index % 5}`, value: message(codec, index) })));
    await java!.produce(records, Object.fromEntries(CODECS.map((codec, at) => [kafka.namer.physical(topics[at]!), codec])));

    for (const [at, codec] of CODECS.entries()) {
      const read = await kafka.readUntil(topics[at]!, (messages) => messages.length >= MESSAGES_PER_TOPIC);
      const indexes = read.map((entry) => indexOf(entry.value!.toString())).sort((a, b) => a - b);
      expect({ codec, indexes }).toEqual({ codec, indexes: everyIndex });
    }
  }, 180_000);

  it('sends batches compressed with each codec that a Java consumer reads', async () => {
    const topics = CODECS.map((codec) => `kafkajs.${codec}.v1`);
    await kafka.createTopics(topics, 2);
    // Idempotent, as the services' producers are: a plain producer's retried request, on a busy CI
    // machine, once wrote a partition's messages twice.
    const producer = createIdempotentProducer(kafka.kafka);
    await producer.connect();
    try {
      for (const [at, codec] of CODECS.entries()) {
        const messages = everyIndex.map((index) => ({ key: `key-${index % 5}`, value: message(codec, index) }));
        await producer.send({ topic: kafka.namer.physical(topics[at]!), acks: -1, compression: compressionType(codec), messages });
      }
    } finally {
      await producer.disconnect();
    }

    const read = await java!.consume(topics.map((topic) => kafka.namer.physical(topic)), CODECS.length * MESSAGES_PER_TOPIC);
    for (const [at, codec] of CODECS.entries()) {
      const values = valuesOf(read, kafka.namer.physical(topics[at]!));
      expect({ codec, values: values.sort() }).toEqual({ codec, values: everyIndex.map((index) => message(codec, index)).sort() });
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
        await enqueue(tx, everyIndex.map((index) => ({ topic, key: keyOf(index), value: JSON.parse(message(compression, index)) as object })));
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
      const [ours, theirs] = ['relay.keys.v1', 'java.keys.v1'].map((topic) => kafka.namer.physical(topic)) as [string, string];
      await java!.produce(everyIndex.map((index) => ({ topic: theirs, key: sku(index), value: message('none', index) })), { [theirs]: 'none' });

      const read = await java!.consume([ours, theirs], 2 * MESSAGES_PER_TOPIC);
      const partitionsByIndex = (topic: string) => new Map(read.filter((record) => record.topic === topic).map((record) => [indexOf(record.value), record.partition]));
      const [relayed, javas] = [partitionsByIndex(ours), partitionsByIndex(theirs)];
      expect(relayed.size).toBe(MESSAGES_PER_TOPIC);
      expect(new Set(javas.values()).size).toBe(JAVA_TOPIC_PARTITIONS);
      expect([...relayed].sort(([a], [b]) => a - b)).toEqual([...javas].sort(([a], [b]) => a - b));
    }, 180_000);

    it('compresses what it publishes as configured, and a Java consumer reads it', async () => {
      await publishThrough('relay-plain', 'relay.plain.v1', 'none');
      await publishThrough('relay-lz4', 'relay.lz4.v1', 'lz4');
      const [plain, lz4] = ['relay.plain.v1', 'relay.lz4.v1'].map((topic) => kafka.namer.physical(topic)) as [string, string];

      const bytes = await java!.logBytes([plain, lz4]);
      expect(bytes.get(plain)).toBeGreaterThan(MESSAGES_PER_TOPIC * PADDING.length);
      expect(bytes.get(lz4)).toBeLessThan(bytes.get(plain)! / 4);

      const read = await java!.consume([lz4], MESSAGES_PER_TOPIC);
      expect(valuesOf(read, lz4).map(indexOf).sort((a, b) => a - b)).toEqual(everyIndex);
    }, 180_000);
  });
});
