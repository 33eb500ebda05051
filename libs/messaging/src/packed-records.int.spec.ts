import { randomUUID } from 'node:crypto';
import { KafkaMessage, Partitioners } from 'kafkajs';
import { PoolClient } from 'pg';
import { cloudEvent, deadLetterTopic, TOPICS } from '@restock/contracts';
import { Database, enqueue, EVENT_STORE_MIGRATIONS } from '@restock/event-store';
import { eventually, migratedDatabase, PartitionRecord, testKafka, TestKafka } from '@restock/testing';
import { BatchConsumer, ConsumedInput } from './batch-consumer';
import { DLQ_HEADER } from './dead-letters';
import { OutboxRelay } from './outbox-relay';
import { CLOUDEVENTS_BATCH_CONTENT_TYPE, isPackedRecord, KafkaPacking, packForPartitions } from './packed-records';

const TOPIC = TOPICS.orderEvents;
const PARTITIONS = 6;
const SKUS = 12;
const LINES = 240;

function linePlaced(sku: string, index: number, quantity = 1) {
  return cloudEvent({
    id: randomUUID(),
    source: 'test/orders',
    type: 'OrderLinePlaced',
    time: '2026-12-01T10:00:00Z',
    data: { orderId: `O-${index}`, lineId: 'L1', sku, quantity, placedAt: '2026-12-01T10:00:00Z', customerId: 'C-1' },
  });
}

describe('packed records on Kafka', () => {
  const database = migratedDatabase('packed', 'packed', [...EVENT_STORE_MIGRATIONS]);
  let db: Database;

  beforeAll(async () => {
    db = database.db;
    await db.query('CREATE TABLE effects (input_id text NOT NULL, sku text NOT NULL)');
  });

  /** Enqueues the lines in one transaction and lets a relay with the packing publish them; answers the raw records. */
  async function relayed(packing: KafkaPacking, lines: readonly ReturnType<typeof linePlaced>[]) {
    const kafka = testKafka(`packed-${packing}`);
    await kafka.createTopics([TOPIC], PARTITIONS);
    await db.transaction((tx) => enqueue(tx, lines.map((line) => ({ topic: TOPIC, key: line.data.sku, value: line }))));
    // Packing internal topics is what a relay does unless told not to.
    const relay = new OutboxRelay({ db, kafka: kafka.kafka, namer: kafka.namer, relayName: `packed-${packing}`, ...(packing === 'none' ? { packing } : {}) });
    relay.start();
    try {
      const read = await kafka.readUntil(TOPIC, (messages) => messages.length >= lines.length, 60_000);
      const eventsIn = (record: PartitionRecord) => (isPackedRecord(record.message) ? (JSON.parse(record.message.value!.toString()) as unknown[]).length : 1);
      const records = await kafka.readRecordsUntil(TOPIC, (all) => all.reduce((sum, record) => sum + eventsIn(record), 0) >= lines.length, 60_000);
      return { read, records };
    } finally {
      await relay.stop();
      await kafka.close();
    }
  }

  it('sends the messages of a transaction to each partition as one record, each key where it goes unpacked, in order', async () => {
    const lines = Array.from({ length: LINES }, (_, index) => linePlaced(`SKU-${index % SKUS}`, index));
    const packed = await relayed('internal', lines);
    const single = await relayed('none', lines);

    expect(single.records).toHaveLength(LINES);
    expect(single.records.some((record) => isPackedRecord(record.message))).toBe(false);
    expect(packed.records.length).toBeLessThanOrEqual(PARTITIONS);
    // Each packed record is keyed by its first event's key, so the producer's partitioner puts it on that key's partition.
    expect(packed.records.every((record) => isPackedRecord(record.message) && record.message.key?.toString() === (JSON.parse(record.message.value!.toString()) as { partitionkey: string }[])[0]!.partitionkey)).toBe(true);

    // The reader takes the events out: every line once, each SKU's lines in the order enqueued.
    const idsBySku = (messages: readonly KafkaMessage[]) => {
      const bySku = new Map<string, string[]>();
      for (const message of messages) {
        const event = JSON.parse(message.value!.toString()) as { id: string; data: { sku: string } };
        expect(message.key?.toString()).toBe(event.data.sku);
        bySku.set(event.data.sku, [...(bySku.get(event.data.sku) ?? []), event.id]);
      }
      return bySku;
    };
    const expected = idsBySku(lines.map((line) => ({ key: Buffer.from(line.data.sku), value: Buffer.from(JSON.stringify(line)) }) as KafkaMessage));
    expect(idsBySku(packed.read)).toEqual(expected);
    expect(idsBySku(single.read)).toEqual(expected);

    // Packing moves no SKU to another partition: the partition of each packed event is where the same key went unpacked.
    const partitionOfSku = new Map(single.records.map((record) => [record.message.key!.toString(), record.partition]));
    for (const record of packed.records) {
      const events = JSON.parse(record.message.value!.toString()) as { partitionkey: string }[];
      for (const event of events) expect(partitionOfSku.get(event.partitionkey)).toBe(record.partition);
    }
  }, 120_000);

  it('delivers every message while partitions are added, though the producer has not seen them yet', async () => {
    const kafka = testKafka('packed-grown');
    const admin = kafka.kafka.admin();
    await kafka.createTopics([TOPIC], 2);
    await admin.connect();
    // The relay reads the partition count at every batch; its producer keeps the metadata it read first.
    const relay = new OutboxRelay({ db, kafka: kafka.kafka, namer: kafka.namer, relayName: 'packed-grown', partitionsMaxAgeMs: 0 });
    relay.start();
    try {
      const first = Array.from({ length: 40 }, (_, index) => linePlaced(`SKU-${index % SKUS}`, index));
      await db.transaction((tx) => enqueue(tx, first.map((line) => ({ topic: TOPIC, key: line.data.sku, value: line }))));
      await kafka.readUntil(TOPIC, (messages) => messages.length >= first.length, 60_000);
      await admin.createPartitions({ topicPartitions: [{ topic: kafka.namer.physical(TOPIC), count: PARTITIONS }] });
      const second = Array.from({ length: 200 }, (_, index) => linePlaced(`SKU-${index % SKUS}`, 1_000 + index));
      await db.transaction((tx) => enqueue(tx, second.map((line) => ({ topic: TOPIC, key: line.data.sku, value: line }))));
      const read = await kafka.readUntil(TOPIC, (messages) => messages.length >= first.length + second.length, 60_000);
      const ids = read.map((message) => (JSON.parse(message.value!.toString()) as { id: string }).id);
      expect(new Set(ids)).toEqual(new Set([...first, ...second].map((line) => line.id)));
    } finally {
      await relay.stop();
      await admin.disconnect();
      await kafka.close();
    }
  }, 120_000);

  describe('a consumer of a packed topic', () => {
    let kafka: TestKafka;

    beforeAll(() => {
      kafka = testKafka('packed-consumer');
    });

    afterAll(async () => {
      await kafka.close();
    });

    async function recordEffects(inputs: readonly ConsumedInput[], tx: PoolClient): Promise<void> {
      await tx.query('INSERT INTO effects (input_id, sku) SELECT * FROM unnest($1::text[], $2::text[])', [
        inputs.map((input) => input.event.id),
        inputs.map((input) => input.message.key!.toString()),
      ]);
    }

    function consumer(groupId: string) {
      return new BatchConsumer({ kafka: kafka.kafka, namer: kafka.namer, db, groupId, consumerName: groupId, topics: [TOPIC], handlerFor: () => recordEffects, chunkSizeMax: 7 });
    }

    /** What the relay would send for these events, as records to publish by hand. */
    function packedRecords(events: readonly ReturnType<typeof linePlaced>[]) {
      const partitioner = Partitioners.DefaultPartitioner();
      const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0, offlineReplicas: [] }));
      return packForPartitions(
        events.map((event) => ({ key: event.data.sku, value: JSON.stringify(event), headers: {} })),
        (key) => partitioner({ topic: TOPIC, partitionMetadata, message: { key, value: null } }),
      );
    }

    it('handles each valid event once with its key, dead-letters an invalid one alone, and a redelivered record has no second effect', async () => {
      const sku = `SKU-${randomUUID()}`;
      const events = Array.from({ length: 30 }, (_, index) => linePlaced(sku, index, index === 12 ? 0 : 1));
      const invalid = events[12]!;
      const records = packedRecords(events);
      expect(records).toHaveLength(1);
      // The same record twice: a consumer that crashed before committing its offset would read it again.
      await kafka.publish(TOPIC, [...records, ...records].map((record) => ({ key: record.key, value: record.value, headers: record.headers })));
      const subject = consumer(`packed-${randomUUID()}`);
      await subject.start();
      try {
        const valid = events.filter((event) => event !== invalid).map((event) => event.id);
        const letters = await kafka.readUntil(deadLetterTopic(TOPIC), (read) => read.length >= 2, 45_000);
        const effects = await eventually(async () => {
          const rows = (await db.query<{ input_id: string; sku: string }>('SELECT input_id, sku FROM effects WHERE sku = $1', [sku])).rows;
          return rows.length >= valid.length ? rows : undefined;
        }, 45_000);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        const settled = (await db.query<{ input_id: string }>('SELECT input_id FROM effects WHERE sku = $1', [sku])).rows;
        expect(settled.map((row) => row.input_id).sort()).toEqual([...valid].sort());
        expect(effects.every((row) => row.sku === sku)).toBe(true);
        // The invalid event was dead-lettered once per delivery, alone, with its key and its own JSON.
        expect(letters).toHaveLength(2);
        for (const letter of letters) {
          expect(letter.key?.toString()).toBe(sku);
          expect(letter.headers?.[DLQ_HEADER.code]?.toString()).toBe('INVALID_DATA');
          expect(JSON.parse(letter.value!.toString())).toEqual(invalid);
        }
      } finally {
        await subject.stop();
      }
    }, 90_000);

    it('dead-letters a packed record that is not a JSON array whole, and goes on', async () => {
      const sku = `SKU-${randomUUID()}`;
      const after = linePlaced(sku, 1);
      await kafka.publish(TOPIC, [
        { key: null, value: '[{"id":', headers: { 'content-type': CLOUDEVENTS_BATCH_CONTENT_TYPE } },
        ...packedRecords([after]).map((record) => ({ key: record.key, value: record.value, headers: record.headers })),
      ]);
      const subject = consumer(`broken-${randomUUID()}`);
      await subject.start();
      try {
        await eventually(async () => ((await db.query('SELECT 1 FROM effects WHERE input_id = $1', [after.id])).rowCount === 1 ? true : undefined), 45_000);
        const letters = await kafka.readUntil(deadLetterTopic(TOPIC), (read) => read.some((letter) => letter.value?.toString() === '[{"id":'), 45_000);
        const broken = letters.find((letter) => letter.value?.toString() === '[{"id":')!;
        expect(broken.headers?.[DLQ_HEADER.code]?.toString()).toBe('INVALID_JSON');
      } finally {
        await subject.stop();
      }
    }, 90_000);

    it('takes a packed record on a public topic as one message, and dead-letters it', async () => {
      const topic = TOPICS.warehouseEvents;
      const batch = JSON.stringify([{ id: randomUUID() }]);
      await kafka.publish(topic, [{ key: 'SKU-P', value: batch, headers: { 'content-type': CLOUDEVENTS_BATCH_CONTENT_TYPE } }]);
      const groupId = `public-${randomUUID()}`;
      const subject = new BatchConsumer({ kafka: kafka.kafka, namer: kafka.namer, db, groupId, consumerName: groupId, topics: [topic], handlerFor: () => recordEffects });
      await subject.start();
      try {
        const letters = await kafka.readUntil(deadLetterTopic(topic), (read) => read.some((letter) => letter.value?.toString() === batch), 45_000);
        expect(letters.find((letter) => letter.value?.toString() === batch)!.headers?.[DLQ_HEADER.code]?.toString()).toBe('INVALID_ENVELOPE');
      } finally {
        await subject.stop();
      }
    }, 90_000);
  });
});
