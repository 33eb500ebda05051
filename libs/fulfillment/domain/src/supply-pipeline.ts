import { assertQuantity } from './assertion';
import { instantMs } from './calendar';
import type { AddSupply, CancelSupply, ReceiveStock, RescheduleSupply } from './commands';
import { type DecisionDraft, apply, currentState, reviewWaitingLines } from './decision-draft';
import { type KnownUnchanged, latestExpectedDayOf, pipelineInArrivalOrder } from './eta-projection';
import type { FulfillmentState, SupplyLine } from './fulfillment-state';
import { type Rejection, rejection } from './rejection';
import { flowStockToQueue } from './stock-allocation';

export function addSupply(command: AddSupply, draft: DecisionDraft): Rejection | null {
  const { purchaseOrderId, quantity, expectedAt } = command.data;
  assertQuantity(quantity, 'quantity');
  instantMs(expectedAt, 'expectedAt');
  if (currentState(draft).pipeline.has(purchaseOrderId)) {
    return rejection('FULFILLMENT.DUPLICATE_PURCHASE_ORDER', `purchase order ${purchaseOrderId} is already open`);
  }
  apply(draft, { type: 'SupplyAdded', data: { purchaseOrderId, quantity, expectedAt, addedAt: draft.now } });
  reviewWaitingLines(draft, () => 'SUPPLY_ADDED');
  return null;
}

export function rescheduleSupply(command: RescheduleSupply, draft: DecisionDraft): Rejection | null {
  const { purchaseOrderId, expectedAt } = command.data;
  instantMs(expectedAt, 'expectedAt');
  const supply = currentState(draft).pipeline.get(purchaseOrderId);
  if (supply === undefined) {
    return rejection('FULFILLMENT.UNKNOWN_PURCHASE_ORDER', `purchase order ${purchaseOrderId} is not open`);
  }
  apply(draft, {
    type: 'SupplyRescheduled',
    data: { purchaseOrderId, previousExpectedAt: supply.expectedAt, expectedAt, rescheduledAt: draft.now },
  });
  reviewWaitingLines(draft, () => 'SUPPLY_RESCHEDULED');
  return null;
}

export function cancelSupply(command: CancelSupply, draft: DecisionDraft): Rejection | null {
  const { purchaseOrderId } = command.data;
  const supply = currentState(draft).pipeline.get(purchaseOrderId);
  if (supply === undefined) {
    return rejection('FULFILLMENT.UNKNOWN_PURCHASE_ORDER', `purchase order ${purchaseOrderId} is not open`);
  }
  apply(draft, {
    type: 'SupplyCancelled',
    data: { purchaseOrderId, cancelledQuantity: supply.remaining, cancelledAt: draft.now },
  });
  reviewWaitingLines(draft, () => 'SUPPLY_CANCELLED');
  return null;
}

/**
 * Rule 2. Stock and pipeline change in one event, so no ETA flaps between the two. A receipt
 * against a purchase order that is not open still counts as stock.
 */
export function receiveStock(command: ReceiveStock, draft: DecisionDraft): Rejection | null {
  const { receiptId, quantity, purchaseOrderId } = command.data;
  assertQuantity(quantity, 'quantity');
  const before = currentState(draft);
  const supply = purchaseOrderId === null ? undefined : before.pipeline.get(purchaseOrderId);
  const pipelineQuantity = supply === undefined ? 0 : Math.min(quantity, supply.remaining);
  const pipelineBefore = pipelineInArrivalOrder(before);
  const waitingBefore = before.waitingTotal;
  apply(draft, {
    type: 'StockReceived',
    data: { receiptId, quantity, purchaseOrderId, pipelineQuantity, receivedAt: draft.now },
  });
  flowStockToQueue(draft);
  const after = currentState(draft);
  const fromQueue = waitingBefore - after.waitingTotal;
  reviewWaitingLines(draft, () => 'QUEUE_MOVED', unchangedByReceipt(pipelineBefore, after, purchaseOrderId, pipelineQuantity, fromQueue));
  return null;
}

/**
 * What a receipt leaves as it was (see KnownUnchanged): it allocates from the head of the queue
 * only, and takes `fromPipeline` units off one purchase-order line.
 */
function unchangedByReceipt(
  pipelineBefore: readonly SupplyLine[],
  after: FulfillmentState,
  purchaseOrderId: string | null,
  fromPipeline: number,
  fromQueue: number,
): KnownUnchanged {
  const offTheFirstLine = fromPipeline === 0 || pipelineBefore[0]?.purchaseOrderId === purchaseOrderId;
  return {
    coverage: fromQueue === fromPipeline && offTheFirstLine,
    estimates: fromQueue >= fromPipeline && latestExpectedDayOf(pipelineBefore) === latestExpectedDayOf(pipelineInArrivalOrder(after)),
  };
}
