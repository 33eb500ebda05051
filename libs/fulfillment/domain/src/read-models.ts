import { headLine, waitingLinesInOrder } from './backorder-queue';
import { addDaysToMs, dayOfMs, formatOptionalDay, instantMs } from './calendar';
import { stateAt } from './elapsed-time';
import { NO_ETA, projectNewDemand, pipelineInArrivalOrder } from './eta-projection';
import type { Day, Instant } from './events';
import { type EtaConfidence, type FulfillmentState, availableToPromise, lineKey } from './fulfillment-state';

export type AvailabilityStatus = 'IN_STOCK' | 'BACKORDER' | 'OUT_OF_STOCK' | 'DISCONTINUED';

export interface Availability {
  readonly status: AvailabilityStatus;
  readonly canOrder: boolean;
  /** Units a line placed now would get allocated at once. */
  readonly availableNow: number;
  readonly eta: Day | null;
  readonly etaConfidence: EtaConfidence | null;
}

/**
 * What the storefront shows for `quantity` units ("Availability status"); null for an unknown SKU.
 * It answers exactly what placing the line now would decide.
 */
export function availability(stored: FulfillmentState, quantity: number, now: Instant): Availability | null {
  // Time may have changed the SKU since its last input (a passed deadline cancels waiting units, a
  // passed estimate moves on): the answer is about now, as a decision now would start from it.
  const state = stateAt(stored, now);
  if (state.catalog.status === 'UNDEFINED') {
    return null;
  }
  if (state.catalog.status === 'DISCONTINUED') {
    return { status: 'DISCONTINUED', canOrder: false, availableNow: 0, eta: null, etaConfidence: null };
  }
  const policy = state.catalog.policy;
  const availableNow = state.queue.length === 0 ? Math.max(0, availableToPromise(state)) : 0;
  if (availableNow >= quantity) {
    return { status: 'IN_STOCK', canOrder: true, availableNow, eta: null, etaConfidence: null };
  }
  const nowMs = instantMs(now, 'now');
  const today = Math.max(dayOfMs(nowMs), state.etasReviewedOn ?? Number.NEGATIVE_INFINITY);
  const eta = policy.backorderable ? projectNewDemand(state, policy, quantity - availableNow, dayOfMs(nowMs), today) : NO_ETA;
  const limitDay = dayOfMs(addDaysToMs(nowMs, policy.maxBackorderDays));
  if (eta.day === null || eta.day > limitDay) {
    return { status: 'OUT_OF_STOCK', canOrder: false, availableNow, eta: null, etaConfidence: null };
  }
  return { status: 'BACKORDER', canOrder: true, availableNow, eta: formatOptionalDay(eta.day), etaConfidence: eta.confidence };
}

export interface WaitingLine {
  readonly position: number;
  readonly orderId: string;
  readonly lineId: string;
  readonly remainingQuantity: number;
  readonly eta: Day | null;
  readonly etaConfidence: EtaConfidence | null;
  readonly acceptedAt: Instant;
  readonly deadline: Instant;
}

/** The backorder queue in FIFO order (expedited lines first). */
export function backorderQueue(state: FulfillmentState): WaitingLine[] {
  return waitingLinesInOrder(state.queue, state.lines).map((line, index) => ({
    position: index + 1,
    orderId: line.orderId,
    lineId: line.lineId,
    remainingQuantity: line.waiting,
    eta: formatOptionalDay(line.etaDay),
    etaConfidence: line.etaConfidence,
    acceptedAt: line.acceptedAt,
    deadline: line.deadline,
  }));
}

export interface StockLedger {
  readonly onHand: number;
  readonly allocated: number;
  /** On hand minus allocated; below 0 only after shipping stock the records did not have. */
  readonly atp: number;
  /** Waiting lines. */
  readonly queueDepth: number;
  /** Waiting units. */
  readonly backorderedQuantity: number;
  readonly pipeline: readonly { purchaseOrderId: string; remainingQuantity: number; expectedAt: Instant }[];
}

export function ledger(state: FulfillmentState): StockLedger {
  return {
    onHand: state.onHand,
    allocated: state.allocated,
    atp: availableToPromise(state),
    queueDepth: state.queue.length,
    backorderedQuantity: state.waitingTotal,
    pipeline: pipelineInArrivalOrder(state).map((supply) => ({
      purchaseOrderId: supply.purchaseOrderId,
      remainingQuantity: supply.remaining,
      expectedAt: supply.expectedAt,
    })),
  };
}

export interface OpenLine {
  readonly orderId: string;
  readonly lineId: string;
  readonly quantity: number;
  readonly acceptedQuantity: number;
  readonly allocatedQuantity: number;
  readonly remainingQuantity: number;
  readonly shippedQuantity: number;
  readonly cancelledQuantity: number;
  readonly eta: Day | null;
  readonly etaConfidence: EtaConfidence | null;
  readonly acceptedAt: Instant;
  readonly deadline: Instant;
  readonly atRisk: boolean;
  readonly held: boolean;
}

/** A line with units still allocated or waiting; undefined once everything shipped or was cancelled. */
export function openLine(state: FulfillmentState, orderId: string, lineId: string): OpenLine | undefined {
  const line = state.lines.get(lineKey(orderId, lineId));
  if (line === undefined) {
    return undefined;
  }
  return {
    orderId: line.orderId,
    lineId: line.lineId,
    quantity: line.quantity,
    acceptedQuantity: line.acceptedQuantity,
    allocatedQuantity: line.allocated,
    remainingQuantity: line.waiting,
    shippedQuantity: line.shipped,
    cancelledQuantity: line.cancelled,
    eta: formatOptionalDay(line.etaDay),
    etaConfidence: line.etaConfidence,
    acceptedAt: line.acceptedAt,
    deadline: line.deadline,
    atRisk: line.atRisk,
    held: line.held,
  };
}

export function openLines(state: FulfillmentState): OpenLine[] {
  return [...state.lines.values()].map((line) => openLine(state, line.orderId, line.lineId) as OpenLine);
}

/** When the line at the head of the queue was accepted (null without a queue), without walking it. */
export function headWaitingSince(state: FulfillmentState): Instant | null {
  return headLine(state.queue, state.lines)?.acceptedAt ?? null;
}
