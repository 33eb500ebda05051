import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { cloudEvent, TOPICS } from '@restock/contracts';
import { ConcurrencyError, Database, readStream } from '@restock/event-store';
import { FulfillmentSaga, fulfillmentService, SkuCommand, streamIdOf } from '@restock/fulfillment-adapters';
import { loadServiceConfig, RunningService, startService } from '@restock/platform';
import { createTestDatabase, eventually, TestDatabase, testKafka, TestKafka } from '@restock/testing';

const RECEIVED_UNITS = 40;
const LINES = 120;
const PLACED_AT = '2026-12-01T10:00:00.000Z';

function fact(type: string, time: string, data: Record<string, unknown>) {
  return cloudEvent({ id: randomUUID(), source: 'test/scale-out', type, time, data });
}

function placeLine(sku: string, orderId: string, now: string): SkuCommand {
  return { sku, command: { type: 'PlaceLine', data: { orderId, lineId: 'L1', quantity: 1, placedAt: now }, metadata: { now, inputId: randomUUID() } } };
}

interface StoredLine {
  type: string;
  data: { allocatedQuantity?: number; quantity?: number; orderId?: string };
}

/** Waits until a session of the test database waits for a row that another, open transaction wrote. */
async function untilWaitingForARow(db: TestDatabase): Promise<void> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    await eventually(async () => {
      const waiting = await client.query(
        "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event IN ('transactionid', 'tuple')",
      );
      return waiting.rows.length > 0 ? true : undefined;
    }, 30_000);
  } finally {
    await client.end();
  }
}

describe('two fulfillment instances in one consumer group', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  const instances: RunningService[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('scale_out');
    kafka = testKafka('scale-out');
    for (const instanceId of ['fulfillment-a', 'fulfillment-b']) {
      const config = loadServiceConfig('fulfillment', process.env, { databaseUrl: db.url, topicPrefix: kafka.topicPrefix, port: 0, host: '127.0.0.1', logLevel: 'error', instanceId });
      instances.push(await startService(config, fulfillmentService(config, { tickIntervalMs: 0 })));
    }
  }, 120_000);

  afterAll(async () => {
    for (const instance of instances) await instance.close();
    await kafka?.close();
    await db?.drop();
  });

  async function defineAndReceive(sku: string): Promise<void> {
    await kafka.publish(TOPICS.catalogEvents, [
      {
        key: sku,
        value: fact('ProductDefined', '2026-11-30T08:00:00Z', { sku, name: 'Split', backorderable: false, maxBackorderDays: 30, leadTimeDays: null, onLimitExceeded: 'NOTIFY', definedAt: '2026-11-30T08:00:00Z' }),
      },
    ]);
    await kafka.publish(TOPICS.supplyEvents, [
      {
        key: sku,
        value: fact('SupplyReceived', '2026-11-30T09:00:00Z', {
          receiptId: `R-${sku}`,
          sku,
          warehouseId: 'WH-1',
          quantity: RECEIVED_UNITS,
          receivedAt: '2026-11-30T09:00:00Z',
          purchaseOrderId: null,
          pipelineReduction: 0,
          unplanned: true,
        }),
      },
    ]);
  }

  async function events(sku: string): Promise<StoredLine[]> {
    const stored = await readStream(instances[0]!.app.get(Database), streamIdOf(sku));
    stored.forEach((event, index) => expect(event.version).toBe(index + 1));
    return stored.map((event) => ({ type: event.type, data: event.data as StoredLine['data'] }));
  }

  /**
   * Waits until the saga has stored both facts. The product and the receipt come on different
   * topics, and a receipt is taken for a SKU not yet defined: StockReceived alone does not prove
   * ProductDefined is in, and lines placed before it would be refused as UNKNOWN_SKU.
   */
  async function untilDefinedAndReceived(sku: string): Promise<void> {
    await eventually(async () => {
      const types = new Set((await events(sku)).map((event) => event.type));
      return types.has('ProductDefined') && types.has('StockReceived') ? true : undefined;
    }, 30_000);
  }

  it('never allocates a unit twice when the SKU is split across partitions and both instances decide at once', async () => {
    const sku = `SPLIT-${randomUUID().slice(0, 8)}`;
    await defineAndReceive(sku);
    await untilDefinedAndReceived(sku);

    // A producer with another partitioner: the SKU's demand lands on every partition, so both
    // instances of the group work on the same SKU at the same time; only the version guard stands
    // between them and a double allocation.
    const lines = Array.from({ length: LINES }, (_, index) => ({
      key: `foreign-${index}`,
      value: fact('OrderLinePlaced', PLACED_AT, { orderId: `O-${index}`, lineId: 'L1', sku, quantity: 1, placedAt: PLACED_AT, customerId: 'C-1' }),
    }));
    await kafka.publish(TOPICS.orderEvents, lines);

    const stored = await eventually(async () => {
      const all = await events(sku);
      return all.filter((event) => event.type === 'LineAccepted').length === LINES ? all : undefined;
    }, 60_000);
    const accepted = stored.filter((event) => event.type === 'LineAccepted');
    expect(new Set(accepted.map((event) => event.data.orderId)).size).toBe(LINES);
    const allocated = accepted.reduce((sum, event) => sum + (event.data.allocatedQuantity ?? 0), 0);
    expect(allocated).toBe(RECEIVED_UNITS);
    const ledger = await instances[1]!.app.get(Database).query<{ on_hand: number; allocated: number }>('SELECT on_hand, allocated FROM sku_ledger WHERE sku = $1', [sku]);
    expect(ledger.rows[0]).toEqual({ on_hand: RECEIVED_UNITS, allocated: RECEIVED_UNITS });
  }, 120_000);

  it('lets only one of two concurrent decisions on the same SKU version commit; the other gets a conflict', async () => {
    const sku = `RACE-${randomUUID().slice(0, 8)}`;
    await defineAndReceive(sku);
    await untilDefinedAndReceived(sku);
    const [a, b] = instances.map((instance) => ({ saga: instance.app.get(FulfillmentSaga), db: instance.app.get(Database) }));
    // Both instances load the SKU at the same version before either commits (no lock keys, as
    // when two instances hold partitions that carry the same SKU).
    let releaseA!: () => void;
    let aDecided!: () => void;
    const aMayCommit = new Promise<void>((resolve) => (releaseA = resolve));
    const aHasDecided = new Promise<void>((resolve) => (aDecided = resolve));
    const first = a!.db.transaction(async (tx) => {
      await a!.saga.process(tx, Array.from({ length: RECEIVED_UNITS }, (_, index) => placeLine(sku, `A-${index}`, PLACED_AT)));
      aDecided();
      await aMayCommit;
    });
    // A has claimed the next version (not yet committed) before B starts, rather than after a sleep.
    await Promise.race([aHasDecided, first]);
    const second = b!.db.transaction((tx) => b!.saga.process(tx, Array.from({ length: RECEIVED_UNITS }, (_, index) => placeLine(sku, `B-${index}`, PLACED_AT))));
    // B has loaded the SKU at the old version once it waits for A's claim on the stream; released
    // earlier (after a sleep on a slow machine), A could commit before B loads, and B would decide
    // on A's outcome without any conflict.
    await untilWaitingForARow(db);
    releaseA();
    await first;
    await expect(second).rejects.toBeInstanceOf(ConcurrencyError);

    // The loser retries on fresh state, as the consumer does: nothing is left to allocate.
    await b!.db.transaction((tx) => b!.saga.process(tx, Array.from({ length: RECEIVED_UNITS }, (_, index) => placeLine(sku, `B-${index}`, PLACED_AT))));
    const accepted = (await events(sku)).filter((event) => event.type === 'LineAccepted');
    const allocatedTo = (prefix: string) =>
      accepted.filter((event) => event.data.orderId?.startsWith(prefix)).reduce((sum, event) => sum + (event.data.allocatedQuantity ?? 0), 0);
    expect(allocatedTo('A-')).toBe(RECEIVED_UNITS);
    expect(allocatedTo('B-')).toBe(0);
    expect(accepted.filter((event) => event.data.orderId?.startsWith('B-'))).toHaveLength(RECEIVED_UNITS);
  }, 120_000);
});
