import { CATALOG_MIGRATIONS, CATALOG_OPERATIONS, projectProductEvents } from '@restock/catalog-adapters';
import type { ProductEvent } from '@restock/catalog-domain';
import { appendToStreams, Database, Projection, ProjectionReplayResult, REPLAY_BATCH_EVENTS_MAX, replayProjection, runMigrations, StreamAppend } from '@restock/event-store';
import { decide, evolve, FulfillmentCommand, FulfillmentEvent, FulfillmentState, initialState } from '@restock/fulfillment-domain';
import { FULFILLMENT_MIGRATIONS, fulfillmentOperations, streamIdOf, upsertSkuLedgers } from '@restock/fulfillment-adapters';
import { createTestDatabase } from '@restock/testing';
import { BenchmarkResult, ratio, target } from '../harness/results';

export const REPLAY_EVENTS_DEFAULT = 1_000_000;
const SKUS = 1_000;
const LINES_PER_CYCLE = 9;
const SKUS_PER_APPEND = 25;
const PRODUCT_REDEFINITIONS = 10;
const EVENTS_PER_SECOND_MIN = 50_000;
const SCAN_SHARE_MIN = 0.3;
const NOW = '2026-12-01T10:00:00Z';

export interface ReplayOptions {
  readonly events: number;
  readonly log: (message: string) => void;
}

function command(type: string, data: Record<string, unknown>, inputId: string): FulfillmentCommand {
  return { type, data, metadata: { now: NOW, inputId } } as FulfillmentCommand;
}

/** The stream of one SKU as the saga would store it: lines arriving in small waves, each filled by a receipt. */
function skuHistory(sku: string, eventsWanted: number): { events: FulfillmentEvent[]; state: FulfillmentState } {
  const state = initialState(sku);
  const events: FulfillmentEvent[] = [];
  const run = (entry: FulfillmentCommand) => {
    const decision = decide(entry, state);
    if (decision.status === 'REJECTED') throw new Error(`${entry.type}: ${decision.rejection.code}`);
    for (const event of decision.events) {
      evolve(state, event);
      events.push(event);
    }
  };
  run(command('DefineProduct', { name: sku, backorderable: true, maxBackorderDays: 30, leadTimeDays: 14, onLimitExceeded: 'NOTIFY' }, `${sku}-define`));
  run(command('AddSupply', { purchaseOrderId: 'PO-1', quantity: 1_000_000, expectedAt: '2026-12-05T00:00:00Z' }, `${sku}-po`));
  for (let cycle = 0; events.length < eventsWanted; cycle += 1) {
    for (let line = 0; line < LINES_PER_CYCLE; line += 1) {
      run(command('PlaceLine', { orderId: `${sku}-O${cycle}-${line}`, lineId: 'L1', quantity: 1, placedAt: NOW }, `${sku}-place-${cycle}-${line}`));
    }
    run(command('ReceiveStock', { receiptId: `${sku}-R${cycle}`, quantity: LINES_PER_CYCLE - 1, purchaseOrderId: 'PO-1' }, `${sku}-receive-${cycle}`));
  }
  return { events, state };
}

/** Writes the event stores: fulfillment SKU streams (the bulk) and catalog product streams. */
async function seed(fulfillment: Database, catalog: Database, eventsWanted: number, log: (message: string) => void): Promise<{ events: number; live: Map<string, FulfillmentState>; productEvents: number }> {
  const skus = Array.from({ length: Math.min(SKUS, Math.max(1, Math.floor(eventsWanted / 100))) }, (_, index) => `RP-${String(index).padStart(4, '0')}`);
  const perSku = Math.ceil(eventsWanted / skus.length);
  const live = new Map<string, FulfillmentState>();
  const versionOf = new Map<string, number>();
  let written = 0;
  for (let start = 0; start < skus.length; start += SKUS_PER_APPEND) {
    const appends: StreamAppend[] = skus.slice(start, start + SKUS_PER_APPEND).map((sku) => {
      const { events, state } = skuHistory(sku, perSku);
      live.set(sku, state);
      versionOf.set(sku, events.length);
      return { streamId: streamIdOf(sku), expectedVersion: 0, events: events.map((event, index) => ({ id: `${sku}-${index}`, type: event.type, data: event.data })) };
    });
    await fulfillment.transaction((tx) => appendToStreams(tx, appends));
    written += appends.reduce((sum, entry) => sum + entry.events.length, 0);
    if ((start / SKUS_PER_APPEND) % 8 === 0) log(`replay: ${written} events stored`);
  }
  const productAppends: StreamAppend[] = skus.map((sku) => ({
    streamId: `product-${sku}`,
    expectedVersion: 0,
    events: Array.from({ length: PRODUCT_REDEFINITIONS }, (_, index) => ({
      id: `product-${sku}-${index}`,
      type: 'ProductDefined',
      data: { sku, policy: { name: `${sku} v${index}`, backorderable: true, maxBackorderDays: 30, leadTimeDays: 14 + index, onLimitExceeded: 'NOTIFY' }, definedAt: NOW },
    })),
  }));
  await catalog.transaction((tx) => appendToStreams(tx, productAppends));
  // The live read models, as the services would have written them: the replay compares against them.
  await fulfillment.transaction((tx) => upsertSkuLedgers(tx, [...live].map(([sku, state]) => ({ sku, version: versionOf.get(sku)!, state }))));
  const latestDefinitions = productAppends.map((append) => {
    const latest = append.events[append.events.length - 1]!;
    return { event: { type: latest.type, data: latest.data } as ProductEvent, version: append.events.length };
  });
  await catalog.transaction((tx) => projectProductEvents(tx, latestDefinitions));
  return { events: written, live, productEvents: skus.length * PRODUCT_REDEFINITIONS };
}

/** The baseline: the same rows read in the same order and batch size, and nothing done with them. */
async function scan(db: Database, batchSize: number): Promise<number> {
  let after = '0';
  let rows = 0;
  for (;;) {
    const result = await db.query<{ position: string }>(
      'SELECT position, transaction_id::text, stream_id, version, event_id, type, data, metadata, recorded_at FROM events WHERE position > $1 ORDER BY position LIMIT $2',
      [after, batchSize],
    );
    rows += result.rows.length;
    if (result.rows.length < batchSize) return rows;
    after = result.rows[result.rows.length - 1]!.position;
  }
}

interface Replayed {
  readonly name: string;
  readonly result: ProjectionReplayResult;
  readonly scanRate: number;
}

async function replayAndScan(db: Database, projection: Projection): Promise<Replayed> {
  const result = await replayProjection(db, projection);
  if (!result.equal) throw new Error(`replay: the rebuilt ${projection.service}.${projection.name} differs from the live one`);
  const startedAt = performance.now();
  const rows = await scan(db, REPLAY_BATCH_EVENTS_MAX);
  return { name: `${projection.service}.${projection.name}`, result, scanRate: (rows * 1000) / (performance.now() - startedAt) };
}

export async function replayBenchmark(options: ReplayOptions): Promise<BenchmarkResult> {
  const startedAt = performance.now();
  const database = await createTestDatabase('bench_replay');
  const fulfillment = new Database(database.url, 'fulfillment');
  const catalog = new Database(database.url, 'catalog');
  try {
    await runMigrations(database.url, 'fulfillment', FULFILLMENT_MIGRATIONS);
    await runMigrations(database.url, 'catalog', CATALOG_MIGRATIONS);
    const seeded = await seed(fulfillment, catalog, options.events, options.log);
    await fulfillment.query('VACUUM ANALYZE events');
    options.log(`replay: ${seeded.events} fulfillment events and ${seeded.productEvents} product events stored`);
    const replays: Replayed[] = [];
    for (const projection of fulfillmentOperations().projections) replays.push(await replayAndScan(fulfillment, projection));
    for (const projection of CATALOG_OPERATIONS.projections) replays.push(await replayAndScan(catalog, projection));
    const events = replays.reduce((sum, entry) => sum + entry.result.eventsRead, 0);
    const seconds = replays.reduce((sum, entry) => sum + entry.result.durationMs / 1000, 0);
    const scanSeconds = replays.reduce((sum, entry) => sum + entry.result.eventsRead / entry.scanRate, 0);
    const rate = events / seconds;
    const scanRate = events / scanSeconds;
    for (const entry of replays) options.log(`replay ${entry.name}: ${entry.result.eventsRead} events, ${entry.result.eventsPerSecond} events/s (scan ${Math.round(entry.scanRate)} events/s)`);
    return {
      benchmark: 'replay',
      figures: [
        { name: `every read model rebuilt from ${events} events`, value: rate, unit: 'events/s', baseline: { name: 'plain SELECT scan of the same rows', value: scanRate } },
        ...replays.map((entry) => ({
          name: `${entry.name} rebuilt from ${entry.result.eventsRead} events`,
          value: entry.result.eventsPerSecond,
          unit: 'events/s',
          baseline: { name: 'plain SELECT scan of the same rows', value: entry.scanRate },
        })),
      ],
      targets: [
        target('replay rate, every read model', rate, '>=', EVENTS_PER_SECOND_MIN, 'events/s'),
        target('replay vs. the scan', ratio(rate, scanRate), '>=', SCAN_SHARE_MIN, 'x'),
      ],
      notes: [
        'The machinery of `restock replay projections` (replayProjection over the projections the CLI registers: fulfillment.sku_ledger and catalog.products), without swapping; every rebuilt table must equal the live one.',
        `${seeded.events} fulfillment events in ${SKUS} SKU streams (lines placed in waves of ${LINES_PER_CYCLE}, each filled by a receipt, decided by the real decider) and ${seeded.productEvents} catalog events (${PRODUCT_REDEFINITIONS} definitions per product); the live read models were written from the same states.`,
      ],
      durationMs: performance.now() - startedAt,
    };
  } finally {
    await fulfillment.close();
    await catalog.close();
    await database.drop();
  }
}
