import type { OrderState } from './order';
import type { OrderStatus } from './vocabulary';

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/**
 * The order's status as the customer sees it:
 * - PENDING until every line is decided (the order is not acknowledged yet);
 * - REJECTED when no unit of any line was accepted;
 * - CANCELLED when nothing is open and nothing was shipped: every accepted unit was cancelled;
 * - SHIPPED when nothing is open and some units were shipped: everything not cancelled left;
 * - ALLOCATED when no unit waits: every open unit is allocated;
 * - PARTIALLY_ALLOCATED when units wait and some others are allocated or shipped;
 * - BACKORDERED when units wait and none is allocated or shipped yet.
 */
export function orderStatus(state: OrderState): OrderStatus {
  if (state.status !== 'ACKNOWLEDGED') return 'PENDING';
  const lines = state.lines;
  const accepted = sum(lines.map((line) => line.quantity - line.rejectedQuantity));
  const allocated = sum(lines.map((line) => line.allocatedQuantity));
  const waiting = sum(lines.map((line) => line.backorderedQuantity));
  const shipped = sum(lines.map((line) => line.shippedQuantity));
  if (accepted === 0) return 'REJECTED';
  if (allocated + waiting === 0) return shipped === 0 ? 'CANCELLED' : 'SHIPPED';
  if (waiting === 0) return 'ALLOCATED';
  return allocated + shipped > 0 ? 'PARTIALLY_ALLOCATED' : 'BACKORDERED';
}
