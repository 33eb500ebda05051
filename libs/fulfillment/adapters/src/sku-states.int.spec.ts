import { randomUUID } from 'node:crypto';
import { Queryable, readStream } from '@restock/event-store';
import { evolve, FulfillmentCommand, FulfillmentEvent, initialState, snapshot } from '@restock/fulfillment-domain';
import { loadServiceConfig, Metrics } from '@restock/platform';
import { migratedDatabase } from '@restock/testing';
import { FulfillmentMetrics } from './fulfillment-metrics';
import { FulfillmentSaga } from './fulfillment-saga';
import { FULFILLMENT_MIGRATIONS } from './migrations';
import { READ_SHARED_MS, SKU_CACHE_LINES_MAX, skuCacheLinesMaxOf, SkuStates, streamIdOf } from './sku-states';

const NOW = '2026-12-01T10:00:00Z';

function metadata() {
  return { now: NOW, inputId: randomUUID() };
}

function defineProduct(): FulfillmentCommand {
  return { type: 'DefineProduct', data: { name: 'Kettle', backorderable: true, maxBackorderDays: 30, leadTimeDays: 14, onLimitExceeded: 'NOTIFY' }, metadata: metadata() };
}

function placeLine(orderId: string): FulfillmentCommand {
  return { type: 'PlaceLine', data: { orderId, lineId: 'L1', quantity: 1, placedAt: NOW }, metadata: metadata() };
}

describe('SKU state cache', () => {
  const database = migratedDatabase('sku_states', 'fulfillment', FULFILLMENT_MIGRATIONS);
  const metrics = new FulfillmentMetrics(new Metrics(loadServiceConfig('fulfillment', { KAFKA_BROKERS: '127.0.0.1:9092' })));

  async function process(saga: FulfillmentSaga, sku: string, commands: readonly FulfillmentCommand[]): Promise<void> {
    await database.db.transaction(
      async (tx) => {
        expect(await saga.process(tx, commands.map((command) => ({ sku, command })))).toEqual([]);
      },
      { lockKeys: [sku] },
    );
  }

  async function folded(sku: string) {
    const events = await readStream(database.db, streamIdOf(sku));
    return snapshot(events.reduce((state, event) => evolve(state, { type: event.type, data: event.data } as FulfillmentEvent), initialState(sku)));
  }

  it('drops the least recently stored SKUs past its line budget, keeps the latest however large, and decides dropped SKUs on their stored state', async () => {
    const [first, second, third] = ['A', 'B', 'C'].map((name) => `SKU-${name}-${randomUUID().slice(0, 8)}`) as [string, string, string];
    const states = new SkuStates(5);
    const saga = new FulfillmentSaga(states, metrics);

    await process(saga, first, [defineProduct(), placeLine('A1'), placeLine('A2'), placeLine('A3')]);
    expect(states.size).toEqual({ skus: 1, lines: 3 });
    await process(saga, second, [defineProduct(), placeLine('B1'), placeLine('B2')]);
    expect(states.size).toEqual({ skus: 2, lines: 5 });
    // One line over the budget: the SKU stored longest ago goes.
    await process(saga, third, [defineProduct(), placeLine('C1')]);
    expect(states.size).toEqual({ skus: 2, lines: 3 });
    // A SKU above the whole budget by itself stays, alone.
    await process(saga, third, Array.from({ length: 6 }, (_, index) => placeLine(`C${index + 2}`)));
    expect(states.size).toEqual({ skus: 1, lines: 7 });

    // The dropped SKU is read again from the database, and decides as if it had never left.
    await process(saga, first, [placeLine('A4')]);
    const reread = await new SkuStates().read(database.db, first);
    expect(snapshot(reread!.state)).toEqual(await folded(first));
    expect(reread!.state.lines.size).toBe(4);
    expect(snapshot((await states.read(database.db, second))!.state)).toEqual(await folded(second));
  });

  /** Reads of the SKU's line count through `states`, counting the queries they make. */
  function reader(states: SkuStates, sku: string) {
    const counter = { queries: 0, lines: async () => (await states.read(counting, sku))!.state.lines.size };
    const counting = { query: (sql: string, params?: readonly unknown[]) => ((counter.queries += 1), database.db.query(sql, params)) } as Queryable;
    return counter;
  }

  it('shares one check of the stream head between reads, and ends the sharing at a decision of its own', async () => {
    const sku = `SKU-R-${randomUUID().slice(0, 8)}`;
    // A window long enough that nothing in this test outlives it.
    const states = new SkuStates(SKU_CACHE_LINES_MAX, 60_000);
    const saga = new FulfillmentSaga(states, metrics);
    await process(saga, sku, [defineProduct(), placeLine('R1')]);
    const read = reader(states, sku);

    expect(await Promise.all([read.lines(), read.lines(), read.lines()])).toEqual([1, 1, 1]);
    const oneCheck = read.queries;
    expect(oneCheck).toBeGreaterThan(0);
    expect(await read.lines()).toBe(1);
    expect(read.queries).toBe(oneCheck);

    // This process decides: the next read checks again and sees the decision.
    await process(saga, sku, [placeLine('R2')]);
    expect(await read.lines()).toBe(2);
    expect(read.queries).toBeGreaterThan(oneCheck);

    // Another instance decides: inside the window the shared answer stands.
    await process(new FulfillmentSaga(new SkuStates(), metrics), sku, [placeLine('R3')]);
    const checks = read.queries;
    expect(await read.lines()).toBe(2);
    expect(read.queries).toBe(checks);
  });

  it(`sees another instance's change once READ_SHARED_MS (${READ_SHARED_MS} ms) has passed since the shared check`, async () => {
    const sku = `SKU-W-${randomUUID().slice(0, 8)}`;
    const states = new SkuStates();
    await process(new FulfillmentSaga(states, metrics), sku, [defineProduct(), placeLine('W1')]);
    const read = reader(states, sku);
    expect(await read.lines()).toBe(1);
    await process(new FulfillmentSaga(new SkuStates(), metrics), sku, [placeLine('W2')]);
    await new Promise((resolve) => setTimeout(resolve, READ_SHARED_MS * 5));
    const checks = read.queries;
    expect(await read.lines()).toBe(2);
    expect(read.queries).toBeGreaterThan(checks);
  });

  it('takes its budget from FULFILLMENT_SKU_CACHE_LINES and refuses anything but a positive integer', () => {
    expect(skuCacheLinesMaxOf(undefined)).toBe(SKU_CACHE_LINES_MAX);
    expect(skuCacheLinesMaxOf('')).toBe(SKU_CACHE_LINES_MAX);
    expect(skuCacheLinesMaxOf('1000')).toBe(1000);
    for (const bad of ['0', '-5', '1.5', 'lots']) expect(() => skuCacheLinesMaxOf(bad)).toThrow(/FULFILLMENT_SKU_CACHE_LINES must be a positive integer/);
  });
});
