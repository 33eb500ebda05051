import { assert, assertQuantity } from './assertion';
import type { AdjustStock, RecordShipment } from './commands';
import { type DecisionDraft, apply, currentState, emitLast, reviewWaitingLines } from './decision-draft';
import { lineKey } from './fulfillment-state';
import type { Rejection } from './rejection';
import { flowStockToQueue, revokePhantomAllocations } from './stock-allocation';

/** Rule 7, with the count already turned into a delta: found stock flows, lost stock is revoked. */
export function adjustStock(command: AdjustStock, draft: DecisionDraft): Rejection | null {
  const { countId, delta } = command.data;
  assert(Number.isSafeInteger(delta), `delta must be an integer, got ${delta}`);
  apply(draft, { type: 'StockAdjusted', data: { countId, delta, adjustedAt: draft.now } });
  flowStockToQueue(draft);
  revokePhantomAllocations(draft);
  reviewWaitingLines(draft, () => 'STOCK_CORRECTION');
  return null;
}

/**
 * Rule 8. The shipment consumes the line's allocation first; any unit beyond it is a discrepancy
 * that comes out of stock the records had promised to nobody, and may reveal phantom stock.
 * Units the line was still waiting for no longer wait, since the customer has them.
 */
export function recordShipment(command: RecordShipment, draft: DecisionDraft): Rejection | null {
  const { shipmentId, orderId, lineId, quantity } = command.data;
  assertQuantity(quantity, 'quantity');
  const line = currentState(draft).lines.get(lineKey(orderId, lineId));
  const allocatedUnitsShipped = Math.min(quantity, line?.allocated ?? 0);
  const stockShipped = { type: 'StockShipped', data: { shipmentId, orderId, lineId, quantity, shippedAt: draft.now } } as const;
  if (line !== undefined && allocatedUnitsShipped === quantity) {
    // Allocation and on hand fall together: nothing else can change, so the queue is not touched.
    emitLast(draft, stockShipped);
    emitLast(draft, lineShipped(draft, command.data, line.allocated, line.waiting, line.shipped, allocatedUnitsShipped, 0));
    return null;
  }
  apply(draft, stockShipped);
  if (line !== undefined) {
    const waitingUnitsShipped = Math.min(quantity - allocatedUnitsShipped, line.waiting);
    apply(draft, lineShipped(draft, command.data, line.allocated, line.waiting, line.shipped, allocatedUnitsShipped, waitingUnitsShipped));
  }
  apply(draft, {
    type: 'ShipmentDiscrepancyRecorded',
    data: {
      shipmentId,
      orderId,
      lineId,
      quantity: quantity - allocatedUnitsShipped,
      reason: line === undefined ? 'UNKNOWN_LINE' : 'BEYOND_ALLOCATION',
      recordedAt: draft.now,
    },
  });
  revokePhantomAllocations(draft);
  reviewWaitingLines(draft, () => 'STOCK_CORRECTION');
  return null;
}

function lineShipped(
  draft: DecisionDraft,
  shipment: RecordShipment['data'],
  allocated: number,
  waiting: number,
  shipped: number,
  allocatedUnitsShipped: number,
  waitingUnitsShipped: number,
) {
  return {
    type: 'LineShipped',
    data: {
      orderId: shipment.orderId,
      lineId: shipment.lineId,
      shipmentId: shipment.shipmentId,
      quantity: shipment.quantity,
      allocatedUnitsShipped,
      waitingUnitsShipped,
      allocatedQuantity: allocated - allocatedUnitsShipped,
      remainingQuantity: waiting - waitingUnitsShipped,
      shippedQuantity: shipped + allocatedUnitsShipped + waitingUnitsShipped,
      shippedAt: draft.now,
    },
  } as const;
}
