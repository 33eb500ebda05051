import { assert } from './assertion';
import { queueOf } from './backorder-queue';
import { dayOfMs, formatOptionalDay, instantMs, parseOptionalDay } from './calendar';
import { deadlineWatchOf } from './deadline-watch';
import { deadlineIsSettled } from './evolve';
import { type Catalog, type Counters, type EtaConfidence, type FulfillmentState, type OrderLine, lineKey } from './fulfillment-state';

export const SNAPSHOT_VERSION = 1;

export interface LineSnapshot {
  readonly orderId: string;
  readonly lineId: string;
  readonly quantity: number;
  readonly acceptedQuantity: number;
  readonly acceptedAt: string;
  readonly deadline: string;
  readonly sequence: number;
  readonly rank: number;
  readonly allocated: number;
  readonly waiting: number;
  readonly shipped: number;
  readonly cancelled: number;
  readonly allocationStamp: number;
  readonly eta: string | null;
  readonly etaConfidence: EtaConfidence | null;
  readonly atRisk: boolean;
  readonly held: boolean;
}

/** The state of one SKU as plain JSON, for persistence; equal states give equal snapshots. */
export interface FulfillmentSnapshot {
  readonly version: typeof SNAPSHOT_VERSION;
  readonly sku: string;
  readonly catalog: Catalog;
  readonly onHand: number;
  readonly allocated: number;
  readonly etasReviewedOn: string | null;
  readonly counters: Counters;
  /** Open lines; the queue is their waiting ones in rank order. */
  readonly lines: readonly LineSnapshot[];
  readonly pipeline: readonly { purchaseOrderId: string; remaining: number; expectedAt: string; sequence: number }[];
}

/** A snapshot without its lines: stored apart from them, so a SKU with a long queue is never one document. */
export type SnapshotHead = Omit<FulfillmentSnapshot, 'lines'>;

export function snapshot(state: FulfillmentState): FulfillmentSnapshot {
  return { ...snapshotHead(state), lines: [...snapshotLines(state)] };
}

export function snapshotHead(state: FulfillmentState): SnapshotHead {
  return {
    version: SNAPSHOT_VERSION,
    sku: state.sku,
    catalog: state.catalog,
    onHand: state.onHand,
    allocated: state.allocated,
    etasReviewedOn: formatOptionalDay(state.etasReviewedOn),
    counters: { ...state.counters },
    pipeline: [...state.pipeline.values()].map(({ purchaseOrderId, remaining, expectedAt, sequence }) => ({
      purchaseOrderId,
      remaining,
      expectedAt,
      sequence,
    })),
  };
}

/** The open lines one at a time, in the order `snapshot` lists them. */
export function* snapshotLines(state: FulfillmentState): Generator<LineSnapshot> {
  for (const line of state.lines.values()) {
    yield {
      orderId: line.orderId,
      lineId: line.lineId,
      quantity: line.quantity,
      acceptedQuantity: line.acceptedQuantity,
      acceptedAt: line.acceptedAt,
      deadline: line.deadline,
      sequence: line.sequence,
      rank: line.rank,
      allocated: line.allocated,
      waiting: line.waiting,
      shipped: line.shipped,
      cancelled: line.cancelled,
      allocationStamp: line.allocationStamp,
      eta: formatOptionalDay(line.etaDay),
      etaConfidence: line.etaConfidence,
      atRisk: line.atRisk,
      held: line.held,
    };
  }
}

export function restore(saved: FulfillmentSnapshot): FulfillmentState {
  return restoreFrom(saved, saved.lines);
}

/** The state of a head and its lines, taken one at a time (`snapshotLines` of a state restores it). */
export function restoreFrom(head: SnapshotHead, savedLines: Iterable<LineSnapshot>): FulfillmentState {
  assert(head.version === SNAPSHOT_VERSION, `unsupported snapshot version ${head.version}`);
  const lines = new Map<string, OrderLine>();
  let allocated = 0;
  let waitingTotal = 0;
  for (const saved of savedLines) {
    const line = restoredLine(saved);
    lines.set(line.key, line);
    allocated += line.allocated;
    waitingTotal += line.waiting;
  }
  assert(head.allocated === allocated, 'snapshot allocated disagrees with its lines');
  const state: FulfillmentState = {
    sku: head.sku,
    catalog: head.catalog,
    onHand: head.onHand,
    allocated,
    waitingTotal,
    lines,
    queue: queueOf(lines.values()),
    pipeline: new Map(
      head.pipeline.map((supply) => {
        const expectedMs = instantMs(supply.expectedAt, 'expectedAt');
        return [supply.purchaseOrderId, { ...supply, expectedMs, expectedDay: dayOfMs(expectedMs) }];
      }),
    ),
    etasReviewedOn: head.etasReviewedOn === null ? null : (parseOptionalDay(head.etasReviewedOn) as number),
    counters: { ...head.counters },
    deadlineWatch: [],
  };
  const unsettled = [...lines.values()].filter((line) => !deadlineIsSettled(state, line.key));
  state.deadlineWatch = deadlineWatchOf(unsettled.map((line) => ({ deadlineMs: line.deadlineMs, key: line.key })));
  return state;
}

// Field by field rather than a spread of the saved line: the record then has exactly the shape of
// the ones evolve makes (no `eta` text beside `etaDay`). A spread that adds fields leaves V8 with
// the fields out of line, several hundred bytes more a record (measured), for every line of a queue.
function restoredLine(line: LineSnapshot): OrderLine {
  return {
    key: lineKey(line.orderId, line.lineId),
    orderId: line.orderId,
    lineId: line.lineId,
    quantity: line.quantity,
    acceptedQuantity: line.acceptedQuantity,
    acceptedAt: line.acceptedAt,
    acceptedDay: dayOfMs(instantMs(line.acceptedAt, 'acceptedAt')),
    deadline: line.deadline,
    deadlineMs: instantMs(line.deadline, 'deadline'),
    sequence: line.sequence,
    rank: line.rank,
    allocated: line.allocated,
    waiting: line.waiting,
    shipped: line.shipped,
    cancelled: line.cancelled,
    allocationStamp: line.allocationStamp,
    etaDay: parseOptionalDay(line.eta),
    etaConfidence: line.etaConfidence,
    atRisk: line.atRisk,
    held: line.held,
  };
}
