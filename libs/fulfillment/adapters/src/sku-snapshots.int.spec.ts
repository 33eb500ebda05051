import { randomUUID } from 'node:crypto';
import { Database, readStream, runMigrations } from '@restock/event-store';
import { evolve, FulfillmentCommand, FulfillmentEvent, FulfillmentState, initialState, snapshot } from '@restock/fulfillment-domain';
import { loadServiceConfig, Metrics } from '@restock/platform';
import { createTestDatabase, migratedDatabase } from '@restock/testing';
import { FulfillmentMetrics } from './fulfillment-metrics';
import { FulfillmentSaga } from './fulfillment-saga';
import { FULFILLMENT_MIGRATIONS, SnapshotLinesInParts1764500000200 } from './migrations';
import { loadSnapshots, SNAPSHOT_LINES_PER_PART, storeSnapshots } from './sku-snapshots';
import { SkuStates, streamIdOf } from './sku-states';

const NOW = '2026-12-01T10:00:00Z';

function metadata() {
  return { now: NOW, inputId: randomUUID() };
}

function placeLine(orderId: string): FulfillmentCommand {
  return { type: 'PlaceLine', data: { orderId, lineId: 'L1', quantity: 1, placedAt: NOW }, metadata: metadata() };
}

/** A SKU with `lines` waiting lines of one unit, half of them dated by a purchase order, built by evolving events. */
function stateWithWaitingLines(sku: string, lines: number): FulfillmentState {
  const state = initialState(sku);
  evolve(state, { type: 'ProductDefined', data: { name: 'Kettle "Deluxe" é', backorderable: true, maxBackorderDays: 30, leadTimeDays: 14, onLimitExceeded: 'NOTIFY', definedAt: NOW } });
  evolve(state, { type: 'SupplyAdded', data: { purchaseOrderId: 'PO-1', quantity: Math.floor(lines / 2), expectedAt: '2026-12-05T00:00:00Z', addedAt: NOW } });
  for (let index = 0; index < lines; index += 1) {
    const dated = index < lines / 2;
    evolve(state, {
      type: 'LineAccepted',
      data: {
        orderId: `O-${index}`,
        lineId: 'L1',
        quantity: 1,
        allocatedQuantity: 0,
        backorderedQuantity: 1,
        rejectedQuantity: 0,
        status: 'BACKORDERED',
        rejectionReason: null,
        eta: dated ? '2026-12-05' : '2026-12-15',
        etaConfidence: dated ? 'CONFIRMED' : 'ESTIMATED',
        acceptedAt: NOW,
        deadline: '2026-12-31T10:00:00.000Z',
        decidedAt: NOW,
      },
    });
  }
  return state;
}

describe('SKU snapshots', () => {
  const database = migratedDatabase('sku_snapshots', 'fulfillment', FULFILLMENT_MIGRATIONS);
  const metrics = new FulfillmentMetrics(new Metrics(loadServiceConfig('fulfillment', { KAFKA_BROKERS: '127.0.0.1:9092' })));

  async function store(sku: string, version: number, state: FulfillmentState): Promise<void> {
    await database.db.transaction((tx) => storeSnapshots(tx, [{ sku, version, state }]), { lockKeys: [sku] });
  }

  async function partSizes(sku: string): Promise<number[]> {
    const parts = await database.db.query<{ lines: number }>('SELECT json_array_length(lines) AS lines FROM sku_snapshot_lines WHERE sku = $1 ORDER BY part', [sku]);
    return parts.rows.map((row) => row.lines);
  }

  it('are stored with their lines beside them and load, with the events after them, to the state the whole stream folds to', async () => {
    const sku = `SKU-${randomUUID().slice(0, 8)}`;
    const process = async (saga: FulfillmentSaga, commands: readonly FulfillmentCommand[]) => {
      await database.db.transaction(
        async (tx) => {
          const rejections = await saga.process(tx, commands.map((command) => ({ sku, command })));
          expect(rejections).toEqual([]);
        },
        { lockKeys: [sku] },
      );
    };
    const writer = new FulfillmentSaga(new SkuStates(), metrics);
    await process(writer, [
      { type: 'DefineProduct', data: { name: 'Kettle "Deluxe" é', backorderable: true, maxBackorderDays: 30, leadTimeDays: 14, onLimitExceeded: 'NOTIFY' }, metadata: metadata() },
      { type: 'AddSupply', data: { purchaseOrderId: 'PO-1', quantity: 10, expectedAt: '2026-12-05T00:00:00Z' }, metadata: metadata() },
      placeLine('A'),
      placeLine('B'),
    ]);
    // A few events later: no new snapshot is due, so loading folds them onto the first one.
    await process(writer, [placeLine('C'), { type: 'ReceiveStock', data: { receiptId: 'R-1', quantity: 1, purchaseOrderId: 'PO-1' }, metadata: metadata() }]);

    const stored = await database.db.query<{ version: number; type: string; line_count: number }>(
      'SELECT version, pg_typeof(snapshot)::text AS type, line_count FROM sku_snapshots WHERE sku = $1',
      [sku],
    );
    expect(stored.rows).toEqual([{ version: 4, type: 'json', line_count: 2 }]);
    expect(await partSizes(sku)).toEqual([2]);
    const events = await readStream(database.db, streamIdOf(sku));
    expect(events.length).toBeGreaterThan(4);
    const folded = events.reduce((state, event) => evolve(state, { type: event.type, data: event.data } as FulfillmentEvent), initialState(sku));

    const loaded = await new SkuStates().read(database.db, sku);
    expect(loaded?.version).toBe(events.length);
    expect(snapshot(loaded!.state)).toEqual(snapshot(folded));
  });

  it('store a long queue in parts of SNAPSHOT_LINES_PER_PART lines and load it back whole', async () => {
    const sku = `SKU-${randomUUID().slice(0, 8)}`;
    const state = stateWithWaitingLines(sku, 2 * SNAPSHOT_LINES_PER_PART + 500);
    await store(sku, 7, state);

    expect(await partSizes(sku)).toEqual([SNAPSHOT_LINES_PER_PART, SNAPSHOT_LINES_PER_PART, 500]);
    const [loaded] = await loadSnapshots(database.db, [sku]);
    expect(loaded?.version).toBe(7);
    expect(snapshot(loaded!.state)).toEqual(snapshot(state));
  });

  it('replace every part of the previous snapshot, also when the queue got shorter', async () => {
    const sku = `SKU-${randomUUID().slice(0, 8)}`;
    await store(sku, 3, stateWithWaitingLines(sku, 2 * SNAPSHOT_LINES_PER_PART + 1));
    const shorter = stateWithWaitingLines(sku, 300);
    await store(sku, 9, shorter);

    expect(await partSizes(sku)).toEqual([300]);
    const [loaded] = await loadSnapshots(database.db, [sku]);
    expect(loaded?.version).toBe(9);
    expect(snapshot(loaded!.state)).toEqual(snapshot(shorter));
  });

  it('are loaded for many SKUs at once, each with its own lines', async () => {
    const skus = [`SKU-${randomUUID().slice(0, 8)}`, `SKU-${randomUUID().slice(0, 8)}`, `SKU-${randomUUID().slice(0, 8)}`];
    const states = [stateWithWaitingLines(skus[0]!, 0), stateWithWaitingLines(skus[1]!, SNAPSHOT_LINES_PER_PART + 1), stateWithWaitingLines(skus[2]!, 5)];
    await database.db.transaction((tx) => storeSnapshots(tx, skus.map((sku, index) => ({ sku, version: index + 1, state: states[index]! }))), { lockKeys: skus });

    const loaded = new Map((await loadSnapshots(database.db, [...skus].reverse())).map((entry) => [entry.sku, entry]));
    expect(skus.map((sku) => loaded.get(sku)?.version)).toEqual([1, 2, 3]);
    skus.forEach((sku, index) => expect(snapshot(loaded.get(sku)!.state)).toEqual(snapshot(states[index]!)));
  });

  it('are left out when their parts do not add up to their lines, and take their parts with them when deleted', async () => {
    const sku = `SKU-${randomUUID().slice(0, 8)}`;
    await store(sku, 5, stateWithWaitingLines(sku, SNAPSHOT_LINES_PER_PART + 10));
    await database.db.query('DELETE FROM sku_snapshot_lines WHERE sku = $1 AND part = 1', [sku]);
    expect(await loadSnapshots(database.db, [sku])).toEqual([]);

    await database.db.query('DELETE FROM sku_snapshots WHERE sku = $1', [sku]);
    expect(await partSizes(sku)).toEqual([]);
  });

  it('written by an earlier version as one document are moved into a head and a part by the migration', async () => {
    const old = await createTestDatabase('sku_snapshots_migration');
    const oldDb = new Database(old.url, 'fulfillment');
    try {
      const before = FULFILLMENT_MIGRATIONS.filter((migration) => migration !== SnapshotLinesInParts1764500000200);
      await runMigrations(old.url, 'fulfillment', before);
      const sku = `SKU-${randomUUID().slice(0, 8)}`;
      const state = stateWithWaitingLines(sku, 3);
      await oldDb.query('INSERT INTO sku_snapshots (sku, version, snapshot) VALUES ($1, 12, $2::json)', [sku, JSON.stringify(snapshot(state))]);

      await runMigrations(old.url, 'fulfillment', FULFILLMENT_MIGRATIONS);

      const head = await oldDb.query<{ line_count: number; has_lines: boolean }>("SELECT line_count, snapshot::jsonb ? 'lines' AS has_lines FROM sku_snapshots WHERE sku = $1", [sku]);
      expect(head.rows).toEqual([{ line_count: 3, has_lines: false }]);
      const [loaded] = await loadSnapshots(oldDb, [sku]);
      expect(loaded?.version).toBe(12);
      expect(snapshot(loaded!.state)).toEqual(snapshot(state));
    } finally {
      await oldDb.close();
      await old.drop();
    }
  });
});
