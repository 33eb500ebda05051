import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { decide, evolve, FulfillmentCommand, FulfillmentState } from '@restock/fulfillment-domain';
import { BenchmarkResult, Figure, median, ratio, target } from '../harness/results';
import type { SagaRun } from './saga-costs';
import { BATCH_COMMANDS, cancelLine, hotSkuState, receiveStock, rescheduleSupply } from './hot-sku-commands';

export const HOT_SKU_LINES_DEFAULT = 50_000;
export const RECEIPT_FILLS_MAX = 1_000;
/** A receipt fills 1,000 lines of a 50,000-line queue; scaled down runs keep that share. */
const LINES_PER_FILL = 50;
const RECEIPTS_MEASURED = 5;
const RESCHEDULES_MEASURED = 3;
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

/**
 * The decider's costs at both queue lengths, measured in turn after a warm-up pass: small then
 * large, then large then small. Measured once each, one after the other, the first size paid for
 * compiling the hot paths and for collecting the garbage of building the states, and the growth
 * ratio read below 1. Each figure is the lower of its two rounds.
 */
function deciderCostsInTurn(lines: number): [DeciderCosts, DeciderCosts] {
  deciderCosts(lines);
  const smallFirst = deciderCosts(lines);
  const largeSecond = deciderCosts(2 * lines);
  const largeFirst = deciderCosts(2 * lines);
  const smallSecond = deciderCosts(lines);
  return [lowerOf(smallFirst, smallSecond), lowerOf(largeFirst, largeSecond)];
}

function lowerOf(a: DeciderCosts, b: DeciderCosts): DeciderCosts {
  return {
    receiptMs: Math.min(a.receiptMs, b.receiptMs),
    reDatingMs: Math.min(a.reDatingMs, b.reDatingMs),
    cancellationMs: Math.min(a.cancellationMs, b.cancellationMs),
    plainWalkMs: Math.min(a.plainWalkMs, b.plainWalkMs),
  };
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


/** The Node options the fulfillment service runs with (tools/stack/service-node-options.json, mirrored by deploy/). */
function fulfillmentNodeOptions(): string[] {
  const options = JSON.parse(readFileSync(join(__dirname, '..', '..', 'tools', 'stack', 'service-node-options.json'), 'utf8')) as Record<string, string[]>;
  return options['fulfillment'] ?? [];
}

/**
 * The saga part runs in a child process started the way the fulfillment service is (same Node
 * options, same TypeScript loader), so its peak RSS is that of a fulfillment process, not of this one.
 */
function sagaCostsInChild(lines: number, fills: number, log: (message: string) => void): Promise<SagaRun> {
  const child = spawn(process.execPath, [...fulfillmentNodeOptions(), '-r', '@swc-node/register', join(__dirname, 'saga-process.ts'), String(lines), String(fills)], {
    cwd: join(__dirname, '..', '..'),
    env: { ...process.env, SWC_NODE_PROJECT: join(__dirname, '..', '..', 'tsconfig.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let result: SagaRun | null = null;
  const errors: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith('{')) result = JSON.parse(line) as SagaRun;
    else log(line);
  });
  createInterface({ input: child.stderr! }).on('line', (line) => errors.push(line));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0 && result !== null) resolve(result);
      else reject(new Error(`the saga process exited with ${code ?? signal}: ${errors.slice(-20).join('\n')}`));
    });
  });
}

export async function hotSkuBenchmark(options: HotSkuOptions): Promise<BenchmarkResult> {
  const startedAt = performance.now();
  const { lines, log } = options;
  const saga = options.saga ? await sagaCostsInChild(lines, fillsFor(lines), log) : null;
  const [small, large] = deciderCostsInTurn(lines);
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
      `Decider: decide + evolve in memory. Saga: FulfillmentSaga.process in one PostgreSQL transaction per batch of commands, as the consumer runs it, in a child process started with the fulfillment service's Node options (${fulfillmentNodeOptions().join(' ') || 'none'}); peak RSS is of that process.`,
      `The re-dating target scales with the size: ${RE_DATING_MS_MAX} ms for ${2 * HOT_SKU_LINES_DEFAULT} lines.`,
    ],
    durationMs: performance.now() - startedAt,
  };
}
