import { assertQuantity } from './assertion';
import { addDaysToMs, dayOfMs, formatOptionalDay, instantMs, isoInstant } from './calendar';
import type { CancelLine, ExpediteLine, HoldLine, PlaceLine } from './commands';
import { type DecisionDraft, apply, currentState, emitLast, reviewWaitingLines } from './decision-draft';
import { type KnownUnchanged, NO_ETA, projectNewDemand } from './eta-projection';
import type { LineAccepted, LineStatus, RejectionReason } from './events';
import { type FulfillmentState, availableToPromise, lineKey } from './fulfillment-state';
import { type Rejection, rejection } from './rejection';
import { flowStockToQueue } from './stock-allocation';

type Acceptance = LineAccepted['data'];

/** Rule 1. Only the new line is affected, so this never walks or copies the queue. */
export function placeLine(command: PlaceLine, draft: DecisionDraft): Rejection | null {
  const { orderId, lineId, quantity } = command.data;
  assertQuantity(quantity, 'quantity');
  const state = currentState(draft);
  if (state.lines.has(lineKey(orderId, lineId))) {
    return rejection('FULFILLMENT.DUPLICATE_LINE', `line ${orderId}/${lineId} is already open`);
  }
  emitLast(draft, { type: 'LineAccepted', data: acceptanceOf(state, command.data, draft) });
  return null;
}

function acceptanceOf(state: FulfillmentState, line: PlaceLine['data'], draft: DecisionDraft): Acceptance {
  const placedMs = instantMs(line.placedAt, 'placedAt');
  if (state.catalog.status === 'UNDEFINED') {
    return decided(line, draft.now, 0, 0, 'UNKNOWN_SKU', null, { day: null, confidence: null });
  }
  const policy = state.catalog.policy;
  const deadlineMs = addDaysToMs(placedMs, policy.maxBackorderDays);
  const deadline = isoInstant(deadlineMs);
  if (state.catalog.status === 'DISCONTINUED') {
    return decided(line, draft.now, 0, 0, 'DISCONTINUED', deadline, NO_ETA);
  }
  const allocated = state.queue.length === 0 ? Math.min(line.quantity, Math.max(0, availableToPromise(state))) : 0;
  const rest = line.quantity - allocated;
  if (rest === 0) {
    return decided(line, draft.now, allocated, 0, null, deadline, NO_ETA);
  }
  if (!policy.backorderable) {
    return decided(line, draft.now, allocated, 0, 'OUT_OF_STOCK', deadline, NO_ETA);
  }
  const eta = projectNewDemand(state, policy, rest, dayOfMs(placedMs), draft.today);
  if (eta.day === null) {
    return decided(line, draft.now, allocated, 0, 'OUT_OF_STOCK', deadline, NO_ETA);
  }
  // A line that arrives after its own deadline could only wait past it, whatever its ETA says.
  if (eta.day > dayOfMs(deadlineMs) || draft.nowMs > deadlineMs) {
    return decided(line, draft.now, allocated, 0, 'ETA_BEYOND_LIMIT', deadline, NO_ETA);
  }
  return decided(line, draft.now, allocated, rest, null, deadline, eta);
}

// The event is built whole here rather than completed by a spread at the call site: a spread that
// adds a field makes V8 objects several hundred bytes larger, and a batch holds its events until
// they are stored.
function decided(
  line: PlaceLine['data'],
  decidedAt: string,
  allocatedQuantity: number,
  backorderedQuantity: number,
  reason: RejectionReason | null,
  deadline: string | null,
  eta: { day: number | null; confidence: Acceptance['etaConfidence'] },
): Acceptance {
  const rejectedQuantity = line.quantity - allocatedQuantity - backorderedQuantity;
  return {
    orderId: line.orderId,
    lineId: line.lineId,
    quantity: line.quantity,
    allocatedQuantity,
    backorderedQuantity,
    rejectedQuantity,
    status: statusOf(line.quantity, allocatedQuantity, backorderedQuantity),
    rejectionReason: rejectedQuantity > 0 ? reason : null,
    eta: formatOptionalDay(eta.day),
    etaConfidence: eta.confidence,
    acceptedAt: line.placedAt,
    deadline,
    decidedAt,
  };
}

function statusOf(quantity: number, allocated: number, backordered: number): LineStatus {
  if (allocated === quantity) {
    return 'ALLOCATED';
  }
  if (allocated > 0) {
    return 'PARTIALLY_ALLOCATED';
  }
  return backordered > 0 ? 'BACKORDERED' : 'REJECTED';
}

/**
 * What a customer cancellation of the line ranked `rank` leaves as it was (see KnownUnchanged). It
 * takes units out of the queue (the line's waiting units, and at the head what released stock
 * fills) and none off the pipeline, so a unit beyond the pipeline was beyond it before and keeps its
 * estimate: the review stops at the first line behind the cancelled one with units beyond the
 * pipeline whose ETA it confirms, instead of walking the whole queue. Coverage does change: the
 * units behind the line move forward, and no longer wait behind its ETA.
 */
function leftByACancellation(rank: number): KnownUnchanged {
  return { coverage: false, estimates: true, stopAfterRank: rank };
}

/** Rule 5. Shipped units are gone; the rest is cancelled and released stock flows to the head. */
export function cancelLine(command: CancelLine, draft: DecisionDraft): Rejection | null {
  const { orderId, lineId } = command.data;
  const line = currentState(draft).lines.get(lineKey(orderId, lineId));
  if (line === undefined) {
    return rejection('FULFILLMENT.LINE_NOT_FOUND', `line ${orderId}/${lineId} has nothing left to cancel`);
  }
  apply(draft, {
    type: 'LineCancelled',
    data: {
      orderId,
      lineId,
      quantity: line.allocated + line.waiting,
      releasedQuantity: line.allocated,
      reason: 'CUSTOMER',
      cancelledAt: draft.now,
    },
  });
  flowStockToQueue(draft);
  reviewWaitingLines(draft, () => 'QUEUE_MOVED', leftByACancellation(line.rank));
  return null;
}

/** An operator moves a waiting line to the head of the queue. */
export function expediteLine(command: ExpediteLine, draft: DecisionDraft): Rejection | null {
  const { orderId, lineId, reason } = command.data;
  const key = lineKey(orderId, lineId);
  const line = currentState(draft).lines.get(key);
  if (line === undefined) {
    return rejection('FULFILLMENT.LINE_NOT_FOUND', `line ${orderId}/${lineId} is not open`);
  }
  if (line.waiting === 0) {
    return rejection('FULFILLMENT.LINE_NOT_WAITING', `line ${orderId}/${lineId} has no waiting units`);
  }
  apply(draft, { type: 'LineExpedited', data: { orderId, lineId, reason, expeditedAt: draft.now } });
  reviewWaitingLines(draft, (passed) => (passed.key === key ? 'EXPEDITED' : 'QUEUE_MOVED'));
  return null;
}

/** An operator exempts a line from automatic cancellation at the backorder limit. */
export function holdLine(command: HoldLine, draft: DecisionDraft): Rejection | null {
  const { orderId, lineId, reason } = command.data;
  const line = currentState(draft).lines.get(lineKey(orderId, lineId));
  if (line === undefined) {
    return rejection('FULFILLMENT.LINE_NOT_FOUND', `line ${orderId}/${lineId} is not open`);
  }
  if (!line.held) {
    emitLast(draft, { type: 'LineHeld', data: { orderId, lineId, reason, heldAt: draft.now } });
  }
  return null;
}
