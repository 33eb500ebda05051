import { randomUUID } from 'node:crypto';
import { Database, readStream, runMigrations } from '@restock/event-store';
import { evolve, FulfillmentCommand, FulfillmentEvent, initialState, snapshot } from '@restock/fulfillment-domain';
import { loadServiceConfig, Metrics } from '@restock/platform';
import { createTestDatabase, TestDatabase } from '@restock/testing';
import { FulfillmentMetrics } from './fulfillment-metrics';
import { FulfillmentSaga } from './fulfillment-saga';
import { FULFILLMENT_MIGRATIONS } from './migrations';
import { SkuStates, streamIdOf } from './sku-states';

const NOW = '2026-12-01T10:00:00Z';

function metadata() {
  return { now: NOW, inputId: randomUUID() };
}

function placeLine(orderId: string): FulfillmentCommand {
  return { type: 'PlaceLine', data: { orderId, lineId: 'L1', quantity: 1, placedAt: NOW }, metadata: metadata() };
}

describe('SKU snapshots', () => {
  let database: TestDatabase;
  let db: Database;
  const metrics = new FulfillmentMetrics(new Metrics(loadServiceConfig('fulfillment', { KAFKA_BROKERS: '127.0.0.1:9092' })));
  const sku = `SKU-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    database = await createTestDatabase('sku_snapshots');
    await runMigrations(database.url, 'fulfillment', FULFILLMENT_MIGRATIONS);
    db = new Database(database.url, 'fulfillment');
  });

  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  async function process(saga: FulfillmentSaga, commands: readonly FulfillmentCommand[]): Promise<void> {
    await db.transaction(
      async (tx) => {
        const rejections = await saga.process(tx, commands.map((command) => ({ sku, command })));
        expect(rejections).toEqual([]);
      },
      { lockKeys: [sku] },
    );
  }

  it('are stored as json and load, with the events after them, to the state the whole stream folds to', async () => {
    const writer = new FulfillmentSaga(new SkuStates(), metrics);
    await process(writer, [
      { type: 'DefineProduct', data: { name: 'Kettle "Deluxe" é', backorderable: true, maxBackorderDays: 30, leadTimeDays: 14, onLimitExceeded: 'NOTIFY' }, metadata: metadata() },
      { type: 'AddSupply', data: { purchaseOrderId: 'PO-1', quantity: 10, expectedAt: '2026-12-05T00:00:00Z' }, metadata: metadata() },
      placeLine('A'),
      placeLine('B'),
    ]);
    // A few events later: no new snapshot is due, so loading folds them onto the first one.
    await process(writer, [placeLine('C'), { type: 'ReceiveStock', data: { receiptId: 'R-1', quantity: 1, purchaseOrderId: 'PO-1' }, metadata: metadata() }]);

    const stored = await db.query<{ version: number; type: string }>('SELECT version, pg_typeof(snapshot)::text AS type FROM sku_snapshots WHERE sku = $1', [sku]);
    expect(stored.rows).toEqual([{ version: 4, type: 'json' }]);
    const events = await readStream(db, streamIdOf(sku));
    expect(events.length).toBeGreaterThan(4);
    const folded = events.reduce((state, event) => evolve(state, { type: event.type, data: event.data } as FulfillmentEvent), initialState(sku));

    const loaded = await new SkuStates().read(db, sku);
    expect(loaded?.version).toBe(events.length);
    expect(snapshot(loaded!.state)).toEqual(snapshot(folded));
  });
});
