import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { PoolClient } from 'pg';
import { cloudEvent, deadLetterTopic, TOPICS } from '@restock/contracts';
import { CreateEventStore1764000000000, Database, runMigrations } from '@restock/event-store';
import { createTestDatabase, eventually, lateProxy, TestDatabase, testKafka, TestKafka } from '@restock/testing';
import { BatchConsumer, ConsumedInput, ConsumerFaults, SimulatedCrash } from './batch-consumer';
import { DLQ_HEADER } from './dead-letters';

const TOPIC = TOPICS.warehouseEvents;

function goodsReceived(sku: string, quantity: number) {
  const receiptId = randomUUID();
  return cloudEvent({
    id: randomUUID(),
    source: 'test/warehouse',
    type: 'GoodsReceived',
    time: '2026-12-01T10:00:00Z',
    data: { receiptId, sku, quantity, warehouseId: 'WH-1', receivedAt: '2026-12-01T10:00:00Z' },
  });
}

/** The effect under test: every handled input adds a row. A second effect of one input shows as a second row. */
async function recordEffects(inputs: readonly ConsumedInput[], tx: PoolClient): Promise<void> {
  await tx.query('INSERT INTO effects (input_id) SELECT unnest($1::text[])', [inputs.map((input) => input.event.id)]);
}

describe('batch consumer', () => {
  let testDb: TestDatabase;
  let kafka: TestKafka;
  let db: Database;

  beforeAll(async () => {
    testDb = await createTestDatabase('consumer');
    kafka = testKafka('consumer');
    await runMigrations(testDb.url, 'consumer', [CreateEventStore1764000000000]);
    db = new Database(testDb.url, 'consumer');
    await db.query('CREATE TABLE effects (input_id text NOT NULL)');
  });

  afterAll(async () => {
    await db.close();
    await kafka.close();
    await testDb.drop();
  });

  function consumer(groupId: string, faults?: ConsumerFaults, maxMessageBytes?: number) {
    return new BatchConsumer({
      maxMessageBytes,
      kafka: kafka.kafka,
      namer: kafka.namer,
      db,
      groupId,
      consumerName: groupId,
      topics: [TOPIC],
      handlerFor: () => recordEffects,
      faults,
    });
  }

  async function effectsOf(ids: readonly string[]): Promise<Map<string, number>> {
    const result = await db.query<{ input_id: string; n: string }>('SELECT input_id, count(*) AS n FROM effects WHERE input_id = ANY($1) GROUP BY input_id', [ids]);
    return new Map(result.rows.map((row) => [row.input_id, Number(row.n)]));
  }

  it('has no second effect when it crashes after the database commit but before the offset commit', async () => {
    const sku = `SKU-${randomUUID()}`;
    const events = Array.from({ length: 20 }, () => goodsReceived(sku, 1));
    let crashes = 0;
    const subject = consumer(`after-commit-${randomUUID()}`, {
      afterCommitBeforeOffsets: () => {
        if (crashes++ === 0) throw new SimulatedCrash('after the database commit');
      },
    });
    await kafka.publish(TOPIC, events.map((event) => ({ key: sku, value: event })));
    await subject.start();
    try {
      const ids = events.map((event) => event.id);
      const effects = await eventually(async () => {
        const seen = await effectsOf(ids);
        return seen.size === ids.length && crashes > 1 ? seen : undefined;
      }, 45_000);
      expect([...effects.values()].every((count) => count === 1)).toBe(true);
    } finally {
      await subject.stop();
    }
  }, 60_000);

  it('has exactly one effect after restart when it crashes before the database commit', async () => {
    const sku = `SKU-${randomUUID()}`;
    const events = Array.from({ length: 20 }, () => goodsReceived(sku, 1));
    let crashes = 0;
    const subject = consumer(`before-commit-${randomUUID()}`, {
      beforeCommit: () => {
        if (crashes++ === 0) throw new SimulatedCrash('before the database commit');
      },
    });
    await kafka.publish(TOPIC, events.map((event) => ({ key: sku, value: event })));
    await subject.start();
    try {
      const ids = events.map((event) => event.id);
      const effects = await eventually(async () => {
        const seen = await effectsOf(ids);
        return seen.size === ids.length ? seen : undefined;
      }, 45_000);
      expect(crashes).toBeGreaterThan(1);
      expect([...effects.values()].every((count) => count === 1)).toBe(true);
    } finally {
      await subject.stop();
    }
  }, 60_000);

  it('dead-letters poison inputs with their reason and processes the valid inputs behind them', async () => {
    const sku = `SKU-${randomUUID()}`;
    const before = goodsReceived(sku, 2);
    const after = goodsReceived(sku, 3);
    const unknownType = { ...goodsReceived(sku, 1), type: 'GoodsTeleported' };
    const invalid = { ...goodsReceived(sku, 1), data: { ...goodsReceived(sku, 1).data, quantity: 0 } };
    await kafka.publish(TOPIC, [
      { key: sku, value: before },
      { key: sku, value: '{not json', headers: { origin: 'poison-test' } },
      { key: sku, value: unknownType },
      { key: sku, value: invalid },
      { key: sku, value: after },
    ]);
    const subject = consumer(`poison-${randomUUID()}`);
    await subject.start();
    try {
      const effects = await eventually(async () => {
        const seen = await effectsOf([before.id, after.id]);
        return seen.size === 2 ? seen : undefined;
      }, 30_000);
      expect(effects.get(before.id)).toBe(1);
      expect(effects.get(after.id)).toBe(1);
      const letters = await kafka.readUntil(deadLetterTopic(TOPIC), (read) => read.filter((m) => m.key?.toString() === sku).length >= 3);
      const mine = letters.filter((letter) => letter.key?.toString() === sku);
      const codes = mine.map((letter) => letter.headers?.[DLQ_HEADER.code]?.toString());
      expect(codes).toEqual(['INVALID_JSON', 'UNKNOWN_TYPE', 'INVALID_DATA']);
      expect(mine[0]!.value?.toString()).toBe('{not json');
      expect(mine[0]!.headers?.origin?.toString()).toBe('poison-test');
      const reason = JSON.parse(mine[2]!.headers![DLQ_HEADER.reason]!.toString()) as { fields: { field: string }[] };
      expect(reason.fields.map((field) => field.field)).toContain('data.quantity');
    } finally {
      await subject.stop();
    }
  }, 60_000);

  it('dead-letters an input over the size limit as TOO_LARGE and moves on', async () => {
    const sku = `SKU-${randomUUID()}`;
    const oversized = { ...goodsReceived(sku, 1), padding: 'x'.repeat(20_000) };
    const after = goodsReceived(sku, 1);
    await kafka.publish(TOPIC, [
      { key: sku, value: oversized },
      { key: sku, value: after },
    ]);
    const subject = consumer(`too-large-${randomUUID()}`, undefined, 10_000);
    await subject.start();
    try {
      await eventually(async () => ((await effectsOf([after.id])).get(after.id) === 1 ? true : undefined), 30_000);
      const letters = await kafka.readUntil(deadLetterTopic(TOPIC), (read) => read.some((m) => m.key?.toString() === sku));
      const mine = letters.filter((letter) => letter.key?.toString() === sku);
      expect(mine.map((letter) => letter.headers?.[DLQ_HEADER.code]?.toString())).toEqual(['TOO_LARGE']);
      expect(mine[0]!.value?.length).toBeGreaterThan(20_000);
    } finally {
      await subject.stop();
    }
  }, 60_000);

  it('waits for a broker that is not there yet instead of failing its start', async () => {
    // The client bootstraps through a port that refuses connections for the first seconds, then
    // forwards to the real broker (whose metadata then points the client at the broker itself).
    const [brokerHost, brokerPort] = kafka.brokers[0]!.split(':') as [string, string];
    const proxy = await lateProxy({ host: brokerHost, port: Number(brokerPort) }, 3_000);
    const lateKafka = new Kafka({ clientId: 'late-broker-test', brokers: [`127.0.0.1:${proxy.port}`], connectionTimeout: 1_000, retry: { retries: 0 }, logLevel: logLevel.NOTHING });
    const warnings: string[] = [];
    const sku = `SKU-${randomUUID()}`;
    const event = goodsReceived(sku, 1);
    await kafka.publish(TOPIC, [{ key: sku, value: event }]);
    const subject = new BatchConsumer({
      kafka: lateKafka,
      namer: kafka.namer,
      db,
      groupId: `late-broker-${randomUUID()}`,
      consumerName: 'late-broker',
      topics: [TOPIC],
      handlerFor: () => recordEffects,
      log: (level, message) => {
        if (level === 'warn') warnings.push(message);
      },
    });
    try {
      await subject.start();
      expect(warnings.filter((message) => message.includes('could not start')).length).toBeGreaterThan(0);
      await eventually(async () => ((await effectsOf([event.id])).get(event.id) === 1 ? true : undefined), 30_000);
    } finally {
      await subject.stop();
      await proxy.close();
    }
  }, 60_000);
});
