import { createTestDatabase } from '@restock/testing';
import { Database, runMigrations } from '@restock/event-store';
import { decide, evolve, FulfillmentCommand, FulfillmentState } from '@restock/fulfillment-domain';
import { FULFILLMENT_MIGRATIONS, FulfillmentSaga } from '@restock/fulfillment-adapters';
import { sagaForBench } from './saga-for-bench';
import { BenchmarkResult, Figure, median, ratio, target } from '../harness/results';
import { sampleRss } from '../harness/rss';
import { addSupply, cancelLine, defineProduct, HOT_SKU, hotSkuState, placeLine, receiveStock, rescheduleSupply } from './hot-sku-commands';

export const HOT_SKU_LINES_DEFAULT = 50_000;
export const RECEIPT_FILLS_MAX = 1_000;
/** A receipt fills 1,000 lines of a 50,000-line queue; scaled down runs keep that share. */
const LINES_PER_FILL = 50;
const RECEIPTS_MEASURED = 5;
const RESCHEDULES_MEASURED = 3;
const SAGA_RECEIPTS_MEASURED = 3;
const BATCH_COMMANDS = 500;
/** Cancellations are spread over the queue tail, one line in this many. */
const CANCELLATION_SPACING = 7;
const RECEIPT_GROWTH_MAX = 1.3;
const RE_DATING_MS_MAX = 200;
const RSS_MB_MAX = 300;

export interface HotSkuOptions {
  /** The smaller queue; the larger one is twice as long. */
  readonly lines: number;
  readonly saga: boolean;
  readonly log: (message: string) => void;
}

function fillsFor(lines: number): number {
  return Math.max(1, Math.min(RECEIPT_FILLS_MAX, Math.round(lines / LINES_PER_FILL)));
}

function cancellationsFor(lines: number): number {
  return Math.max(1, Math.min(BATCH_COMMANDS, Math.floor(lines / (2 * CANCELLATION_SPACING))));
}

function decideAndEvolve(state: FulfillmentState, command: FulfillmentCommand): number {
  const decision = decide(command, state);
  if (decision.status === 'REJECTED') throw new Error(`${command.type} rejected: ${decision.rejection.code}`);
  decision.events.forEach((event) => evolve(state, event));
  return decision.events.length;
}

function timed(work: () => void): number {
  const startedAt = performance.now();
  work();
  return performance.now() - startedAt;
}

interface DeciderCosts {
  receiptMs: number;
  reDatingMs: number;
  cancellationMs: number;
  plainWalkMs: number;
}

/** The pure decider: a receipt filling 1,000 lines, a reschedule re-dating all, a batch of 500 cancellations. */
function deciderCosts(lines: number): DeciderCosts {
  const fills = fillsFor(lines);
  const total = lines + RECEIPTS_MEASURED * fills;
  const state = hotSkuState(total, 4 * lines);
  const receipts = Array.from({ length: RECEIPTS_MEASURED }, () => timed(() => decideAndEvolve(state, receiveStock(fills))));
  const reDatings = Array.from({ length: RESCHEDULES_MEASURED }, (_, attempt) =>
    timed(() => {
      const decision = decide(rescheduleSupply(attempt), state);
      if (decision.status !== 'DECIDED' || decision.events.length < lines) throw new Error('the reschedule did not re-date every line');
    }),
  );
  const waitingKeys = Array.from({ length: cancellationsFor(lines) }, (_, index) => `W${total - 1 - index * CANCELLATION_SPACING}`);
  const cancellationMs = timed(() => waitingKeys.forEach((orderId) => decideAndEvolve(state, cancelLine(orderId)))) / waitingKeys.length;
  return { receiptMs: median(receipts), reDatingMs: median(reDatings), cancellationMs, plainWalkMs: plainWalkMs(lines) };
}

/** The least any re-dating can cost: one walk over the lines creating one event object each. */
function plainWalkMs(lines: number): number {
  const records = Array.from({ length: lines }, (_, index) => ({ orderId: `W${index}`, lineId: 'L1', eta: '2026-12-05' }));
  const walks = Array.from({ length: RESCHEDULES_MEASURED }, () =>
    timed(() => {
      const events = records.map((line) => ({ type: 'LineEtaChanged', data: { orderId: line.orderId, lineId: line.lineId, previousEta: line.eta, eta: '2026-12-09' } }));
      if (events.length !== lines) throw new Error('walk lost lines');
    }),
  );
  return median(walks);
}

interface SagaCosts {
  receiptMs: number;
  reDatingMs: number;
  placeLinesPerSecond: number;
}

async function processInOneTransaction(db: Database, saga: FulfillmentSaga, commands: readonly FulfillmentCommand[]): Promise<number> {
  const startedAt = performance.now();
  await db.transaction(
    async (tx) => {
      const rejections = await saga.process(tx, commands.map((command) => ({ sku: HOT_SKU, command })));
      if (rejections.length > 0) throw new Error(`saga rejected ${rejections.length} commands: ${rejections[0]!.rejection.code}`);
    },
    { lockKeys: [HOT_SKU] },
  );
  return performance.now() - startedAt;
}

async function placeWaitingLines(db: Database, saga: FulfillmentSaga, from: number, to: number): Promise<number> {
  const startedAt = performance.now();
  for (let start = from; start < to; start += BATCH_COMMANDS) {
    const batch = Array.from({ length: Math.min(BATCH_COMMANDS, to - start) }, (_, index) => placeLine(`W${start + index}`));
    await processInOneTransaction(db, saga, batch);
  }
  return ((to - from) * 1000) / (performance.now() - startedAt);
}

async function sagaCostsAt(db: Database, saga: FulfillmentSaga, attempt: number, fills: number): Promise<SagaCosts> {
  const receipts: number[] = [];
  for (let index = 0; index < SAGA_RECEIPTS_MEASURED; index += 1) receipts.push(await processInOneTransaction(db, saga, [receiveStock(fills)]));
  const reDatingMs = await processInOneTransaction(db, saga, [rescheduleSupply(attempt)]);
  return { receiptMs: median(receipts), reDatingMs, placeLinesPerSecond: 0 };
}

/** The saga on PostgreSQL: one transaction per command batch, as the Kafka consumer runs it. */
async function sagaCosts(lines: number, log: (message: string) => void): Promise<{ small: SagaCosts; large: SagaCosts; rssMb: number }> {
  const database = await createTestDatabase('bench_hot_sku');
  const rss = sampleRss();
  const db = new Database(database.url, 'fulfillment');
  try {
    await runMigrations(database.url, 'fulfillment', FULFILLMENT_MIGRATIONS);
    const saga = sagaForBench();
    const fills = fillsFor(lines);
    const filled = (SAGA_RECEIPTS_MEASURED + 1) * fills;
    await processInOneTransaction(db, saga, [defineProduct(), addSupply(4 * lines + 2 * filled)]);
    const firstRate = await placeWaitingLines(db, saga, 0, lines + filled);
    log(`hot-sku saga: ${lines + filled} lines placed (${Math.round(firstRate)} lines/s)`);
    const small = { ...(await sagaCostsAt(db, saga, 0, fills)), placeLinesPerSecond: firstRate };
    log(`hot-sku saga at ${lines}: receipt ${small.receiptMs.toFixed(0)} ms, re-dating ${small.reDatingMs.toFixed(0)} ms`);
    const secondRate = await placeWaitingLines(db, saga, lines + filled, 2 * lines + 2 * filled);
    const large = { ...(await sagaCostsAt(db, saga, 1, fills)), placeLinesPerSecond: secondRate };
    log(`hot-sku saga at ${2 * lines}: receipt ${large.receiptMs.toFixed(0)} ms, re-dating ${large.reDatingMs.toFixed(0)} ms`);
    return { small, large, rssMb: rss.stop() };
  } finally {
    rss.stop();
    await db.close();
    await database.drop();
  }
}

export async function hotSkuBenchmark(options: HotSkuOptions): Promise<BenchmarkResult> {
  const startedAt = performance.now();
  const { lines, log } = options;
  const saga = options.saga ? await sagaCosts(lines, log) : null;
  // A first pass compiles the decider's hot paths; without it the smaller queue, measured first,
  // paid for the compilation and the growth ratio read below 1.
  deciderCosts(lines);
  const small = deciderCosts(lines);
  const large = deciderCosts(2 * lines);
  log(`hot-sku decider: receipt ${small.receiptMs.toFixed(1)} -> ${large.receiptMs.toFixed(1)} ms, re-dating ${large.reDatingMs.toFixed(0)} ms`);
  const figures: Figure[] = [
    { name: `decider: receipt filling ${fillsFor(lines)} lines, ${2 * lines} waiting`, value: large.receiptMs, unit: 'ms', baseline: { name: `same, ${lines} waiting`, value: small.receiptMs } },
    { name: `decider: re-dating ${2 * lines} lines`, value: large.reDatingMs, unit: 'ms', baseline: { name: 'plain walk making one event per line', value: large.plainWalkMs } },
    { name: `decider: one of ${cancellationsFor(lines)} cancellations, ${2 * lines} waiting`, value: large.cancellationMs, unit: 'ms', baseline: { name: `same, ${lines} waiting`, value: small.cancellationMs } },
  ];
  const targets = [
    target('decider: receipt cost growth when the queue doubles', ratio(large.receiptMs, small.receiptMs), '<=', RECEIPT_GROWTH_MAX, 'x'),
    target(`decider: re-dating ${2 * lines} lines`, large.reDatingMs, '<', RE_DATING_MS_MAX * ((2 * lines) / (2 * HOT_SKU_LINES_DEFAULT)), 'ms'),
  ];
  if (saga) {
    figures.push(
      { name: `saga+PostgreSQL: receipt filling ${fillsFor(lines)} lines, ${2 * lines} waiting`, value: saga.large.receiptMs, unit: 'ms', baseline: { name: `same, ${lines} waiting`, value: saga.small.receiptMs } },
      { name: `saga+PostgreSQL: reschedule re-dating ${2 * lines} lines`, value: saga.large.reDatingMs, unit: 'ms', baseline: { name: `same, ${lines} lines`, value: saga.small.reDatingMs } },
      { name: 'saga+PostgreSQL: lines placed on the hot SKU', value: saga.large.placeLinesPerSecond, unit: 'lines/s', baseline: { name: 'while the queue was half as long', value: saga.small.placeLinesPerSecond } },
      { name: 'saga process peak RSS', value: saga.rssMb, unit: 'MB' },
    );
    targets.push(
      target('saga+PostgreSQL: receipt cost growth when the queue doubles', ratio(saga.large.receiptMs, saga.small.receiptMs), '<=', RECEIPT_GROWTH_MAX, 'x'),
      target('saga process peak RSS', saga.rssMb, '<', RSS_MB_MAX, 'MB'),
    );
  }
  return {
    benchmark: 'hot-sku',
    figures,
    targets,
    notes: [
      `One SKU with ${lines} and then ${2 * lines} waiting lines of one unit, all covered by one purchase order; receipts fill ${fillsFor(lines)} lines each (median of ${RECEIPTS_MEASURED}).`,
      'Decider: decide + evolve in memory. Saga: FulfillmentSaga.process in one PostgreSQL transaction per batch of commands, as the consumer runs it, in this process; peak RSS is of this process while only the saga ran.',
      `The re-dating target scales with the size: ${RE_DATING_MS_MAX} ms for ${2 * HOT_SKU_LINES_DEFAULT} lines.`,
    ],
    durationMs: performance.now() - startedAt,
  };
}
