import { randomUUID } from 'node:crypto';
import { CompressionCodecs, CompressionTypes, Kafka, KafkaJSNonRetriableError, logLevel } from 'kafkajs';
import { PoolClient } from 'pg';
import { CloudEvent, cloudEvent, deadLetterTopic, TOPICS } from '@restock/contracts';
import { Database, EVENT_STORE_MIGRATIONS, runMigrations } from '@restock/event-store';
import { createTestDatabase, eventually, lateProxy, TestDatabase, testKafka, TestKafka } from '@restock/testing';
import { BatchConsumer, BatchConsumerOptions, ConsumedInput, ConsumerFaults, SimulatedCrash } from './batch-consumer';
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
    await runMigrations(testDb.url, 'consumer', [...EVENT_STORE_MIGRATIONS]);
    db = new Database(testDb.url, 'consumer');
    await db.query('CREATE TABLE effects (input_id text NOT NULL)');
    await db.query('CREATE TABLE settled (seq bigserial, input_id text NOT NULL, sku text NOT NULL, partition integer NOT NULL, tx xid8 NOT NULL DEFAULT pg_current_xact_id())');
  });

  afterAll(async () => {
    await db.close();
    await kafka.close();
    await testDb.drop();
  });

  function consumer(groupId: string, faults?: ConsumerFaults, maxMessageBytes?: number, typesTaken?: ReadonlySet<string>) {
    return new BatchConsumer({
      maxMessageBytes,
      kafka: kafka.kafka,
      namer: kafka.namer,
      db,
      groupId,
      consumerName: groupId,
      topics: [TOPIC],
      handlerFor: () => recordEffects,
      typesTakenBy: typesTaken && (() => typesTaken),
      faults,
    });
  }

  async function effectsOf(ids: readonly string[]): Promise<Map<string, number>> {
    const result = await db.query<{ input_id: string; n: string }>('SELECT input_id, count(*) AS n FROM effects WHERE input_id = ANY($1) GROUP BY input_id', [ids]);
    return new Map(result.rows.map((row) => [row.input_id, Number(row.n)]));
  }

  /** Waits until every input has had an effect, and answers how many each had. */
  function effectsOfAll(ids: readonly string[]): Promise<Map<string, number>> {
    return eventually(async () => {
      const seen = await effectsOf(ids);
      return seen.size === ids.length ? seen : undefined;
    }, 45_000);
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
      const effects = await effectsOfAll(events.map((event) => event.id));
      expect(crashes).toBeGreaterThan(1);
      expect([...effects.values()].every((count) => count === 1)).toBe(true);
    } finally {
      await subject.stop();
    }
  }, 60_000);

  /** Publishes the events as one zstd batch, whose decoding the tests below can make fail. */
  async function publishZstd(sku: string, events: readonly CloudEvent[]): Promise<void> {
    await kafka.createTopics([TOPIC]);
    const producer = kafka.kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic: kafka.namer.physical(TOPIC), acks: -1, compression: CompressionTypes.ZSTD, messages: events.map((event) => ({ key: sku, value: JSON.stringify(event) })) });
    } finally {
      await producer.disconnect();
    }
  }

  /**
   * Makes a zstd batch read fail as a batch kafkajs cannot decode does (not retried, the consumer
   * given up) whenever `undecodable` says so; answers the function that puts the codec back.
   */
  function failZstdDecoding(undecodable: () => boolean): () => void {
    const zstd = CompressionCodecs[CompressionTypes.ZSTD];
    CompressionCodecs[CompressionTypes.ZSTD] = () => ({
      ...zstd(),
      decompress: (buffer: Buffer) => (undecodable() ? Promise.reject(new KafkaJSNonRetriableError('undecodable batch')) : zstd().decompress(buffer)),
    });
    return () => {
      CompressionCodecs[CompressionTypes.ZSTD] = zstd;
    };
  }

  /** A consumer of TOPIC, and how many crashes its metrics have counted so far. */
  function crashCountingConsumer(groupId: string, log?: BatchConsumerOptions['log']): { subject: BatchConsumer; crashes: () => number } {
    let crashes = 0;
    const subject = new BatchConsumer({
      kafka: kafka.kafka,
      namer: kafka.namer,
      db,
      groupId,
      consumerName: groupId,
      topics: [TOPIC],
      handlerFor: () => recordEffects,
      metrics: { crashed: () => crashes++ },
      log,
    });
    return { subject, crashes: () => crashes };
  }

  it('starts again, and then handles every input once, after kafkajs gives it up on an error it does not retry', async () => {
    const sku = `SKU-${randomUUID()}`;
    const events = Array.from({ length: 20 }, () => goodsReceived(sku, 1));
    await publishZstd(sku, events);
    let failures = 0;
    const restoreZstd = failZstdDecoding(() => failures++ === 0);
    const logged: string[] = [];
    const { subject, crashes } = crashCountingConsumer(`crash-${randomUUID()}`, (level, message, fields) => logged.push(`${level} ${message} ${String(fields?.['error'])}`));
    await subject.start();
    try {
      const effects = await effectsOfAll(events.map((event) => event.id));
      expect([...effects.values()].every((count) => count === 1)).toBe(true);
      expect(crashes()).toBe(1);
      expect(logged).toContain('error kafka consumer stopped on an error kafkajs does not retry; starting it again undecodable batch');
    } finally {
      restoreZstd();
      await subject.stop();
    }
  }, 60_000);

  it('says it is restarting through a crash loop on an error kafkajs does not retry, and consuming once a fetch comes back whole', async () => {
    const sku = `SKU-${randomUUID()}`;
    const events = Array.from({ length: 5 }, () => goodsReceived(sku, 1));
    await publishZstd(sku, events);
    let undecodable = true;
    // What the consumer says while a fetch is being decoded, that is after each join.
    const statesWhileFetching: string[] = [];
    const restoreZstd = failZstdDecoding(() => {
      statesWhileFetching.push(subject.state);
      return undecodable;
    });
    const { subject, crashes } = crashCountingConsumer(`crash-loop-${randomUUID()}`);
    expect(subject.state).toBe('starting');
    try {
      await subject.start();
      // The second crash comes after a join and a fetch that failed again: a crash loop, not one crash.
      await eventually(async () => (crashes() >= 2 ? true : undefined), 30_000);
      expect(subject.state).toBe('restarting');
      expect(statesWhileFetching).toContain('restarting');
      expect(statesWhileFetching).not.toContain('consuming');
      undecodable = false;
      await eventually(async () => (subject.state === 'consuming' ? true : undefined), 30_000);
      const effects = await effectsOfAll(events.map((event) => event.id));
      expect([...effects.values()].every((count) => count === 1)).toBe(true);
      expect(subject.state).toBe('consuming');
    } finally {
      restoreZstd();
      await subject.stop();
    }
    expect(subject.state).toBe('stopped');
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

  it('passes over the types its handler does not take, good or bad: no effect, no record, offsets committed; an unknown type is still dead-lettered', async () => {
    const sku = `SKU-${randomUUID()}`;
    const counted = (countedQuantity: number) =>
      cloudEvent({
        id: randomUUID(),
        source: 'test/warehouse',
        type: 'CycleCounted',
        time: '2026-12-01T10:00:00Z',
        data: { countId: randomUUID(), sku, warehouseId: 'WH-1', countedQuantity, countedAt: '2026-12-01T10:00:00Z' },
      });
    const taken = goodsReceived(sku, 2);
    const passedOver = [counted(5), counted(7)];
    // Bad data of a type passed over is for the consumers that take that type to judge.
    const badCount = { ...counted(1), data: { ...counted(1).data, countedQuantity: -1 } };
    const unknownType = { ...counted(2), type: 'GoodsTeleported' };
    await kafka.publish(TOPIC, [
      { key: sku, value: passedOver[0]! },
      { key: sku, value: taken },
      { key: sku, value: badCount },
      { key: sku, value: unknownType },
      { key: sku, value: passedOver[1]! },
    ]);
    const groupId = `types-${randomUUID()}`;
    const receipts = consumer(groupId, undefined, undefined, new Set(['GoodsReceived']));
    await receipts.start();
    try {
      await eventually(async () => ((await effectsOf([taken.id])).get(taken.id) === 1 ? true : undefined), 30_000);
      const letters = await kafka.readUntil(deadLetterTopic(TOPIC), (read) => read.some((m) => m.key?.toString() === sku));
      expect(letters.filter((m) => m.key?.toString() === sku).map((m) => m.headers?.[DLQ_HEADER.code]?.toString())).toEqual(['UNKNOWN_TYPE']);
    } finally {
      await receipts.stop();
    }
    // The topic holds the other tests' receipts too, which this new group takes as well.
    const mine = [...passedOver, taken, badCount, unknownType].map((event) => event.id);
    const recorded = await db.query<{ input_id: string }>('SELECT input_id FROM processed_inputs WHERE consumer = $1 AND input_id = ANY($2)', [groupId, mine]);
    expect(recorded.rows.map((row) => row.input_id)).toEqual([taken.id]);

    // The same group, now taking every type: the counts passed over are behind its committed offsets.
    const marker = goodsReceived(sku, 1);
    await kafka.publish(TOPIC, [{ key: sku, value: marker }]);
    const everything = consumer(groupId);
    await everything.start();
    try {
      await eventually(async () => ((await effectsOf([marker.id])).get(marker.id) === 1 ? true : undefined), 30_000);
      expect([...(await effectsOf([...passedOver.map((event) => event.id), badCount.id, taken.id])).entries()]).toEqual([[taken.id, 1]]);
    } finally {
      await everything.stop();
    }
  }, 90_000);

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

  /** Records which transaction handled each input, from which partition, in handling order; fails on the inputs in `poison`. */
  /** A consumer that records each input it settles, with its transaction, in `settled`, and in `handledBy` which topic's handler took it. */
  function settling(groupId: string, poison: ReadonlySet<string> = new Set(), topics: readonly string[] = [TOPIC], handledBy = new Map<string, string>()) {
    return new BatchConsumer({
      kafka: kafka.kafka,
      namer: kafka.namer,
      db,
      groupId,
      consumerName: groupId,
      topics,
      retriesMax: 0,
      handlerFor: (topic) => async (inputs, tx) => {
        if (inputs.some((input) => poison.has(input.event.id))) throw new Error('this input breaks its handler');
        for (const input of inputs) handledBy.set(input.event.id, topic);
        await tx.query('INSERT INTO settled (input_id, sku, partition) SELECT * FROM unnest($1::text[], $2::text[], $3::int[])', [
          inputs.map((input) => input.event.id),
          inputs.map((input) => input.message.key!.toString()),
          inputs.map((input) => input.partition),
        ]);
      },
    });
  }

  function sameSkuRuns(skus: readonly string[], perSku: number) {
    return skus.flatMap((sku) => Array.from({ length: perSku }, (_, index) => ({ sku, event: goodsReceived(sku, index + 1) })));
  }

  it('settles the chunks of several partitions in one transaction, each partition in its order', async () => {
    const skus = Array.from({ length: 12 }, () => `SKU-${randomUUID()}`);
    const published = sameSkuRuns(skus, 5);
    await kafka.publish(TOPIC, published.map(({ sku, event }) => ({ key: sku, value: event })));
    const subject = settling(`shared-${randomUUID()}`);
    await subject.start();
    try {
      const ids = published.map(({ event }) => event.id);
      const rows = await eventually(async () => {
        const result = await db.query<{ input_id: string; sku: string; partition: number; tx: string }>(
          'SELECT input_id, sku, partition, tx::text FROM settled WHERE input_id = ANY($1) ORDER BY seq',
          [ids],
        );
        return result.rows.length >= ids.length ? result.rows : undefined;
      }, 30_000);
      expect(rows).toHaveLength(ids.length);
      for (const sku of skus) {
        expect(rows.filter((row) => row.sku === sku).map((row) => row.input_id)).toEqual(published.filter((entry) => entry.sku === sku).map(({ event }) => event.id));
      }
      const partitions = new Set(rows.map((row) => row.partition));
      const partitionsPerTransaction = new Map<string, Set<number>>();
      for (const row of rows) partitionsPerTransaction.set(row.tx, (partitionsPerTransaction.get(row.tx) ?? new Set()).add(row.partition));
      expect(partitions.size).toBeGreaterThan(1);
      expect(Math.max(...[...partitionsPerTransaction.values()].map((set) => set.size))).toBeGreaterThan(1);
      expect(partitionsPerTransaction.size).toBeLessThan(partitions.size);
    } finally {
      await subject.stop();
    }
  }, 60_000);

  it('settles the inputs of several topics in one transaction, each with its own topic\'s handler and in its order', async () => {
    const second = TOPICS.inventoryEvents;
    const skus = Array.from({ length: 6 }, () => `SKU-${randomUUID()}`);
    const received = sameSkuRuns(skus, 3);
    // The same facts as the inventory service states them: same keys, another topic.
    const stocked = sameSkuRuns(skus, 3).map(({ sku, event }) => ({ sku, event: { ...event, id: randomUUID(), type: 'StockReceived' } }));
    await kafka.createTopics([TOPIC, second]);
    await kafka.publish(TOPIC, received.map(({ sku, event }) => ({ key: sku, value: event })));
    await kafka.publish(second, stocked.map(({ sku, event }) => ({ key: sku, value: event })));
    const handledBy = new Map<string, string>();
    const subject = settling(`topics-${randomUUID()}`, new Set(), [TOPIC, second], handledBy);
    await subject.start();
    try {
      const ids = [...received, ...stocked].map(({ event }) => event.id);
      const rows = await eventually(async () => {
        const result = await db.query<{ input_id: string; tx: string }>('SELECT input_id, tx::text FROM settled WHERE input_id = ANY($1) ORDER BY seq', [ids]);
        return result.rows.length >= ids.length ? result.rows : undefined;
      }, 30_000);
      expect(rows).toHaveLength(ids.length);
      for (const { event } of received) expect(handledBy.get(event.id)).toBe(TOPIC);
      for (const { event } of stocked) expect(handledBy.get(event.id)).toBe(second);
      const order = rows.map((row) => row.input_id);
      for (const sku of skus) {
        for (const published of [received, stocked]) {
          const ofSku = published.filter((entry) => entry.sku === sku).map(({ event }) => event.id);
          expect(order.filter((id) => ofSku.includes(id))).toEqual(ofSku);
        }
      }
      const topicsOf = new Map<string, Set<string>>();
      for (const row of rows) topicsOf.set(row.tx, (topicsOf.get(row.tx) ?? new Set()).add(handledBy.get(row.input_id)!));
      expect(Math.max(...[...topicsOf.values()].map((topics) => topics.size))).toBe(2);
    } finally {
      await subject.stop();
    }
  }, 60_000);

  it('dead-letters the one input that breaks a shared transaction and settles the other partitions once', async () => {
    const skus = Array.from({ length: 6 }, () => `SKU-${randomUUID()}`);
    const published = sameSkuRuns(skus, 3);
    const breaking = published[4]!.event;
    await kafka.publish(TOPIC, published.map(({ sku, event }) => ({ key: sku, value: event })));
    const subject = settling(`shared-poison-${randomUUID()}`, new Set([breaking.id]));
    await subject.start();
    try {
      const others = published.map(({ event }) => event.id).filter((id) => id !== breaking.id);
      const settledIds = await eventually(async () => {
        const result = await db.query<{ input_id: string }>('SELECT input_id FROM settled WHERE input_id = ANY($1)', [others]);
        return result.rows.length >= others.length ? result.rows.map((row) => row.input_id) : undefined;
      }, 30_000);
      expect([...settledIds].sort()).toEqual([...others].sort());
      const letters = await kafka.readUntil(deadLetterTopic(TOPIC), (read) => read.some((m) => m.key?.toString() === published[4]!.sku));
      const mine = letters.filter((letter) => skus.includes(letter.key?.toString() ?? ''));
      expect(mine.map((letter) => JSON.parse(letter.value!.toString()).id)).toEqual([breaking.id]);
      expect(mine[0]!.headers?.[DLQ_HEADER.code]?.toString()).toBe('PROCESSING_FAILED');
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
