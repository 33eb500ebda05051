import { headLine } from './backorder-queue';
import { type DecisionDraft, apply, currentState } from './decision-draft';
import { availableToPromise } from './fulfillment-state';

/** Rule 2: stock flows to the head of the queue until it is gone or nobody waits. */
export function flowStockToQueue(draft: DecisionDraft): void {
  for (;;) {
    const state = currentState(draft);
    const available = availableToPromise(state);
    const head = headLine(state.queue, state.lines);
    if (available <= 0 || head === undefined) {
      return;
    }
    const quantity = Math.min(available, head.waiting);
    apply(draft, {
      type: 'StockAllocated',
      data: {
        orderId: head.orderId,
        lineId: head.lineId,
        quantity,
        allocatedQuantity: head.allocated + quantity,
        remainingQuantity: head.waiting - quantity,
        allocatedAt: draft.now,
      },
    });
  }
}

/**
 * Rule 7: when allocations exceed what is on hand (phantom stock), take them back from the most
 * recently allocated lines until they fit. The revoked units wait again at the line's original
 * FIFO position; their ETA is filled in when the decision closes.
 */
export function revokePhantomAllocations(draft: DecisionDraft): void {
  const state = currentState(draft);
  let excess = state.allocated - Math.max(0, state.onHand);
  if (excess <= 0) {
    return;
  }
  const mostRecentFirst = [...state.lines.values()]
    .filter((line) => line.allocated > 0)
    .sort((a, b) => b.allocationStamp - a.allocationStamp);
  for (const line of mostRecentFirst) {
    if (excess <= 0) {
      return;
    }
    const quantity = Math.min(excess, line.allocated);
    excess -= quantity;
    apply(draft, {
      type: 'AllocationRevoked',
      data: {
        orderId: line.orderId,
        lineId: line.lineId,
        quantity,
        allocatedQuantity: line.allocated - quantity,
        remainingQuantity: line.waiting + quantity,
        eta: null,
        etaConfidence: null,
        revokedAt: draft.now,
      },
    });
  }
}
