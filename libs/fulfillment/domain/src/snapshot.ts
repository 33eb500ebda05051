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

export function snapshot(state: FulfillmentState): FulfillmentSnapshot {
  return {
    version: SNAPSHOT_VERSION,
    sku: state.sku,
    catalog: state.catalog,
    onHand: state.onHand,
    allocated: state.allocated,
    etasReviewedOn: formatOptionalDay(state.etasReviewedOn),
    counters: { ...state.counters },
    lines: [...state.lines.values()].map((line) => ({
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
    })),
    pipeline: [...state.pipeline.values()].map(({ purchaseOrderId, remaining, expectedAt, sequence }) => ({
      purchaseOrderId,
      remaining,
      expectedAt,
      sequence,
    })),
  };
}

export function restore(saved: FulfillmentSnapshot): FulfillmentState {
  assert(saved.version === SNAPSHOT_VERSION, `unsupported snapshot version ${saved.version}`);
  const lines = new Map<string, OrderLine>();
  for (const line of saved.lines) {
    const restored = restoredLine(line);
    lines.set(restored.key, restored);
  }
  const state: FulfillmentState = {
    sku: saved.sku,
    catalog: saved.catalog,
    onHand: saved.onHand,
    allocated: saved.allocated,
    waitingTotal: saved.lines.reduce((sum, line) => sum + line.waiting, 0),
    lines,
    queue: queueOf(lines.values()),
    pipeline: new Map(
      saved.pipeline.map((supply) => {
        const expectedMs = instantMs(supply.expectedAt, 'expectedAt');
        return [supply.purchaseOrderId, { ...supply, expectedMs, expectedDay: dayOfMs(expectedMs) }];
      }),
    ),
    etasReviewedOn: saved.etasReviewedOn === null ? null : (parseOptionalDay(saved.etasReviewedOn) as number),
    counters: { ...saved.counters },
    deadlineWatch: [],
  };
  assert(
    state.allocated === saved.lines.reduce((sum, line) => sum + line.allocated, 0),
    'snapshot allocated disagrees with its lines',
  );
  const unsettled = [...lines.values()].filter((line) => !deadlineIsSettled(state, line.key));
  state.deadlineWatch = deadlineWatchOf(unsettled.map((line) => ({ deadlineMs: line.deadlineMs, key: line.key })));
  return state;
}

function restoredLine(line: LineSnapshot): OrderLine {
  const acceptedMs = instantMs(line.acceptedAt, 'acceptedAt');
  return {
    ...line,
    key: lineKey(line.orderId, line.lineId),
    acceptedDay: dayOfMs(acceptedMs),
    deadlineMs: instantMs(line.deadline, 'deadline'),
    etaDay: parseOptionalDay(line.eta),
  };
}
