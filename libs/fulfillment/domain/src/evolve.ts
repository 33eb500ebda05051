import { assert, assertNever } from './assertion';
import { joinQueue, leaveQueue, moveToHead, syncQueueRecord } from './backorder-queue';
import { instantMs, dayOfMs, parseDay, parseOptionalDay } from './calendar';
import { dropSettledDeadlines, watchDeadline, deadlineWatchOf } from './deadline-watch';
import type {
  AllocationRevoked,
  FulfillmentEvent,
  LineAccepted,
  LineCancelled,
  LineShipped,
  ProductDefined,
  StockAllocated,
  StockReceived,
  SupplyAdded,
} from './events';
import {
  type EtaConfidence,
  type FulfillmentState,
  type OrderLine,
  lineKey,
  policyOf,
} from './fulfillment-state';

/**
 * Applies one event to the state IN PLACE and returns the same object. The caller owns the state;
 * keep a snapshot if you need the state before the event.
 */
export function evolve(state: FulfillmentState, event: FulfillmentEvent): FulfillmentState {
  applyEvent(state, event);
  dropSettledDeadlines(state.deadlineWatch, (key) => deadlineIsSettled(state, key));
  return state;
}

function applyEvent(state: FulfillmentState, event: FulfillmentEvent): void {
  switch (event.type) {
    case 'ProductDefined':
      return defineProduct(state, event);
    case 'ProductDiscontinued':
      assert(state.catalog.status !== 'UNDEFINED', 'only a defined product can be discontinued');
      state.catalog = { status: 'DISCONTINUED', policy: state.catalog.policy };
      return;
    case 'LineAccepted':
      return acceptLine(state, event);
    case 'StockAllocated':
      return allocateStock(state, event);
    case 'AllocationRevoked':
      return revokeAllocation(state, event);
    case 'LineEtaChanged':
      setLineEta(state, lineKey(event.data.orderId, event.data.lineId), parseOptionalDay(event.data.eta), event.data.etaConfidence);
      return;
    case 'BackorderAtRisk':
      updateLine(state, requireLine(state, event.data.orderId, event.data.lineId), { atRisk: true });
      return;
    case 'LineCancelled':
      return cancelLine(state, event);
    case 'StockShipped':
      state.onHand -= event.data.quantity;
      return;
    case 'LineShipped':
      return shipLine(state, event);
    case 'ShipmentDiscrepancyRecorded':
      return;
    case 'StockReceived':
      return receiveStock(state, event);
    case 'StockAdjusted':
      state.onHand += event.data.delta;
      return;
    case 'SupplyAdded':
      return addSupply(state, event);
    case 'SupplyRescheduled': {
      const supply = state.pipeline.get(event.data.purchaseOrderId);
      assert(supply !== undefined, `unknown purchase order ${event.data.purchaseOrderId}`);
      const expectedMs = instantMs(event.data.expectedAt, 'expectedAt');
      state.pipeline.set(supply.purchaseOrderId, {
        ...supply,
        expectedAt: event.data.expectedAt,
        expectedMs,
        expectedDay: dayOfMs(expectedMs),
      });
      return;
    }
    case 'SupplyCancelled':
      assert(state.pipeline.delete(event.data.purchaseOrderId), `unknown purchase order ${event.data.purchaseOrderId}`);
      return;
    case 'LineExpedited':
      return expediteLine(state, requireLine(state, event.data.orderId, event.data.lineId));
    case 'LineHeld':
      updateLine(state, requireLine(state, event.data.orderId, event.data.lineId), { held: true });
      return;
    case 'EtasReviewed':
      state.etasReviewedOn = parseDay(event.data.reviewedOn);
      return;
    default:
      return assertNever(event);
  }
}

function defineProduct(state: FulfillmentState, event: ProductDefined): void {
  const { definedAt: _definedAt, ...policy } = event.data;
  state.catalog =
    state.catalog.status === 'DISCONTINUED' ? { status: 'DISCONTINUED', policy } : { status: 'ACTIVE', policy };
  // Whether a passed deadline still needs attention depends on the policy, so the watch is rebuilt.
  const entries = [...state.lines.values()]
    .filter((line) => line.waiting > 0)
    .map((line) => ({ deadlineMs: line.deadlineMs, key: line.key }));
  state.deadlineWatch = deadlineWatchOf(entries);
}

function acceptLine(state: FulfillmentState, event: LineAccepted): void {
  const data = event.data;
  const acceptedQuantity = data.allocatedQuantity + data.backorderedQuantity;
  if (acceptedQuantity === 0) {
    return;
  }
  assert(data.deadline !== null, 'an accepted line has a deadline');
  const key = lineKey(data.orderId, data.lineId);
  assert(!state.lines.has(key), `line ${data.orderId}/${data.lineId} is already open`);
  state.counters.acceptance += 1;
  const sequence = state.counters.acceptance;
  const acceptedMs = instantMs(data.acceptedAt, 'acceptedAt');
  const line: OrderLine = {
    key,
    orderId: data.orderId,
    lineId: data.lineId,
    quantity: data.quantity,
    acceptedQuantity,
    acceptedAt: data.acceptedAt,
    acceptedDay: dayOfMs(acceptedMs),
    deadline: data.deadline,
    deadlineMs: instantMs(data.deadline, 'deadline'),
    sequence,
    rank: sequence,
    allocated: data.allocatedQuantity,
    waiting: data.backorderedQuantity,
    shipped: 0,
    cancelled: 0,
    allocationStamp: data.allocatedQuantity > 0 ? nextAllocationStamp(state) : 0,
    etaDay: parseOptionalDay(data.eta),
    etaConfidence: data.etaConfidence,
    atRisk: false,
    held: false,
  };
  markQueueFreshIfNew(state, data.backorderedQuantity, data.decidedAt);
  putLine(state, undefined, line);
}

function allocateStock(state: FulfillmentState, event: StockAllocated): void {
  const line = requireLine(state, event.data.orderId, event.data.lineId);
  const next = updateLine(state, line, {
    allocated: line.allocated + event.data.quantity,
    waiting: line.waiting - event.data.quantity,
    allocationStamp: nextAllocationStamp(state),
  });
  assert(
    next.allocated === event.data.allocatedQuantity && next.waiting === event.data.remainingQuantity,
    `StockAllocated disagrees with line ${line.orderId}/${line.lineId}`,
  );
}

function revokeAllocation(state: FulfillmentState, event: AllocationRevoked): void {
  const line = requireLine(state, event.data.orderId, event.data.lineId);
  markQueueFreshIfNew(state, line.waiting === 0 ? event.data.quantity : 0, event.data.revokedAt);
  const next = updateLine(state, line, {
    allocated: line.allocated - event.data.quantity,
    waiting: line.waiting + event.data.quantity,
    etaDay: parseOptionalDay(event.data.eta),
    etaConfidence: event.data.etaConfidence,
  });
  assert(
    next.allocated === event.data.allocatedQuantity && next.waiting === event.data.remainingQuantity,
    `AllocationRevoked disagrees with line ${line.orderId}/${line.lineId}`,
  );
}

function cancelLine(state: FulfillmentState, event: LineCancelled): void {
  const line = requireLine(state, event.data.orderId, event.data.lineId);
  const waitingCancelled = event.data.quantity - event.data.releasedQuantity;
  assert(
    event.data.releasedQuantity <= line.allocated && waitingCancelled >= 0 && waitingCancelled <= line.waiting,
    `LineCancelled exceeds line ${line.orderId}/${line.lineId}`,
  );
  updateLine(state, line, {
    allocated: line.allocated - event.data.releasedQuantity,
    waiting: line.waiting - waitingCancelled,
    cancelled: line.cancelled + event.data.quantity,
  });
}

function shipLine(state: FulfillmentState, event: LineShipped): void {
  const line = requireLine(state, event.data.orderId, event.data.lineId);
  const { allocatedUnitsShipped, waitingUnitsShipped } = event.data;
  assert(
    allocatedUnitsShipped <= line.allocated && waitingUnitsShipped <= line.waiting,
    `LineShipped exceeds line ${line.orderId}/${line.lineId}`,
  );
  updateLine(state, line, {
    allocated: line.allocated - allocatedUnitsShipped,
    waiting: line.waiting - waitingUnitsShipped,
    shipped: line.shipped + allocatedUnitsShipped + waitingUnitsShipped,
  });
}

function receiveStock(state: FulfillmentState, event: StockReceived): void {
  state.onHand += event.data.quantity;
  if (event.data.purchaseOrderId === null || event.data.pipelineQuantity === 0) {
    return;
  }
  const supply = state.pipeline.get(event.data.purchaseOrderId);
  assert(supply !== undefined && supply.remaining >= event.data.pipelineQuantity, 'receipt exceeds its purchase order');
  const remaining = supply.remaining - event.data.pipelineQuantity;
  if (remaining === 0) {
    state.pipeline.delete(supply.purchaseOrderId);
  } else {
    state.pipeline.set(supply.purchaseOrderId, { ...supply, remaining });
  }
}

function addSupply(state: FulfillmentState, event: SupplyAdded): void {
  assert(!state.pipeline.has(event.data.purchaseOrderId), `purchase order ${event.data.purchaseOrderId} exists`);
  state.counters.supply += 1;
  const expectedMs = instantMs(event.data.expectedAt, 'expectedAt');
  state.pipeline.set(event.data.purchaseOrderId, {
    purchaseOrderId: event.data.purchaseOrderId,
    remaining: event.data.quantity,
    expectedAt: event.data.expectedAt,
    expectedMs,
    expectedDay: dayOfMs(expectedMs),
    sequence: state.counters.supply,
  });
}

function expediteLine(state: FulfillmentState, line: OrderLine): void {
  assert(line.waiting > 0, 'only a waiting line can be expedited');
  state.counters.expedite -= 1;
  const next: OrderLine = { ...line, rank: state.counters.expedite };
  state.lines.set(line.key, next);
  if (state.lines instanceof Map) {
    // The entry at the old rank is dead now; its record must not say otherwise.
    syncQueueRecord(state.queue, line.key, line.rank, undefined);
  }
  moveToHead(state.queue, next);
}

/**
 * Sets a line's ETA; shared by `evolve` and by a decision re-projecting its working copy. Owned
 * lines are re-dated in place: a reschedule re-dates every waiting line, and a new record for each
 * was as much garbage again as the queue holds. A working copy still gets new records, because its
 * lines are the original's until it writes them.
 */
export function setLineEta(state: FulfillmentState, key: string, etaDay: number | null, etaConfidence: EtaConfidence | null): void {
  const line = state.lines.get(key);
  assert(line !== undefined && line.waiting > 0, 'only a waiting line has an ETA');
  if (state.lines instanceof Map) {
    const owned = line as { etaDay: number | null; etaConfidence: EtaConfidence | null };
    owned.etaDay = etaDay;
    owned.etaConfidence = etaConfidence;
    return;
  }
  state.lines.set(key, { ...line, etaDay, etaConfidence });
}

function updateLine(state: FulfillmentState, line: OrderLine, changes: Partial<OrderLine>): OrderLine {
  const next: OrderLine = { ...line, ...changes };
  putLine(state, line, next);
  return next;
}

/**
 * Stores a line's new record and keeps every figure derived from lines in step: totals, queue
 * membership, the deadline watch. A line with nothing left allocated or waiting is forgotten.
 */
function putLine(state: FulfillmentState, previous: OrderLine | undefined, line: OrderLine): void {
  assert(line.allocated >= 0 && line.waiting >= 0, `line ${line.orderId}/${line.lineId} went negative`);
  const wasWaiting = previous !== undefined && previous.waiting > 0;
  const waits = line.waiting > 0;
  const stored: OrderLine = waits ? line : { ...line, etaDay: null, etaConfidence: null };
  state.allocated += line.allocated - (previous?.allocated ?? 0);
  state.waitingTotal += line.waiting - (previous?.waiting ?? 0);
  const forgotten = line.allocated === 0 && line.waiting === 0;
  if (forgotten) {
    state.lines.delete(line.key);
  } else {
    state.lines.set(line.key, stored);
  }
  if (wasWaiting && state.lines instanceof Map) {
    syncQueueRecord(state.queue, line.key, previous.rank, forgotten ? undefined : stored);
  }
  if (wasWaiting && !waits) {
    leaveQueue(state.queue, state.lines);
  } else if (!wasWaiting && waits) {
    joinQueue(state.queue, stored);
    watchDeadline(state.deadlineWatch, { deadlineMs: stored.deadlineMs, key: stored.key });
  }
}

/**
 * A queue that forms from nothing is projected on the day of the decision that formed it, so the
 * passage of time needs no review until the next day.
 */
function markQueueFreshIfNew(state: FulfillmentState, joiningUnits: number, decidedAt: string): void {
  if (state.queue.length === 0 && joiningUnits > 0) {
    const decidedOn = dayOfMs(instantMs(decidedAt, 'decidedAt'));
    state.etasReviewedOn = Math.max(state.etasReviewedOn ?? decidedOn, decidedOn);
  }
}

function nextAllocationStamp(state: FulfillmentState): number {
  state.counters.allocation += 1;
  return state.counters.allocation;
}

function requireLine(state: FulfillmentState, orderId: string, lineId: string): OrderLine {
  const line = state.lines.get(lineKey(orderId, lineId));
  assert(line !== undefined, `unknown open line ${orderId}/${lineId}`);
  return line;
}

/** A passed deadline needs no attention once the line stopped waiting or was told it is at risk for good. */
export function deadlineIsSettled(state: FulfillmentState, key: string): boolean {
  const line = state.lines.get(key);
  if (line === undefined || line.waiting === 0) {
    return true;
  }
  const policy = policyOf(state);
  return line.atRisk && (line.held || policy?.onLimitExceeded === 'NOTIFY');
}
