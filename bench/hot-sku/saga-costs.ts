import { createTestDatabase } from '@restock/testing';
import { Database, runMigrations } from '@restock/event-store';
import { FULFILLMENT_MIGRATIONS, FulfillmentSaga } from '@restock/fulfillment-adapters';
import { FulfillmentCommand } from '@restock/fulfillment-domain';
import { median } from '../harness/results';
import { sampleRss } from '../harness/rss';
import { sagaForBench } from './saga-for-bench';
import { addSupply, BATCH_COMMANDS, defineProduct, HOT_SKU, placeLine, receiveStock, rescheduleSupply } from './hot-sku-commands';

// The median of this many receipts at each queue length. Of 3, one run in a busy stretch gave a
// growth of 2.07x where the next gave 0.69x (docs/benchmarks.md, sixth pass).
const SAGA_RECEIPTS_MEASURED = 5;

export interface SagaCosts {
  receiptMs: number;
  reDatingMs: number;
  placeLinesPerSecond: number;
}

export interface SagaRun {
  readonly small: SagaCosts;
  readonly large: SagaCosts;
  readonly rssMb: number;
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
export async function sagaCosts(lines: number, fills: number, log: (message: string) => void): Promise<SagaRun> {
  const database = await createTestDatabase('bench_hot_sku');
  const rss = sampleRss();
  const db = new Database(database.url, 'fulfillment');
  try {
    await runMigrations(database.url, 'fulfillment', FULFILLMENT_MIGRATIONS);
    const saga = sagaForBench();
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

