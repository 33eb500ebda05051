/**
 * What replenishment reads of the fulfillment saga's facts about order lines: the units accepted
 * per line (demand), and the units of each open line still allocated or waiting (backorders). The
 * saga's ledger counts waiting lines, not units, so the waiting units are followed line by line,
 * exactly as the saga moves them.
 */

interface LineFact<Type extends string, Data> {
  readonly type: Type;
  readonly data: Readonly<{ orderId: string; lineId: string; sku: string } & Data>;
}

export type OrderLineFact =
  | LineFact<'LineDecided', { allocatedQuantity: number; backorderedQuantity: number; acceptedAt: string }>
  | LineFact<'LineAllocated', { allocatedQuantity: number; remainingQuantity: number }>
  | LineFact<'LineAllocationRevoked', { allocatedQuantity: number; remainingQuantity: number }>
  | LineFact<'LineCancelled', { quantity: number; releasedQuantity: number }>
  | LineFact<'LineShipped', { quantity: number }>;

export const ORDER_LINE_FACT_TYPES: readonly OrderLineFact['type'][] = ['LineDecided', 'LineAllocated', 'LineAllocationRevoked', 'LineCancelled', 'LineShipped'];

/** The units of an open line: promised from stock, and still waiting for stock. */
export interface OpenLine {
  readonly allocated: number;
  readonly waiting: number;
}

export const CLOSED_LINE: OpenLine = { allocated: 0, waiting: 0 };

/**
 * Units the saga accepted for the line, allocated or backordered; rejected units are no demand,
 * since the customer could not buy them. Null for facts that are not a decision.
 */
export function acceptedDemandOf(fact: OrderLineFact): { readonly acceptedAt: string; readonly units: number } | null {
  if (fact.type !== 'LineDecided') return null;
  const units = fact.data.allocatedQuantity + fact.data.backorderedQuantity;
  return units > 0 ? { acceptedAt: fact.data.acceptedAt, units } : null;
}

/**
 * The line after a fact, following the saga's rules: allocations and revocations carry the line's
 * totals; a cancellation releases allocated units and cancels waiting ones; a shipment consumes
 * the allocation first and then units still waiting, because the customer has them.
 */
export function openLineAfter(line: OpenLine, fact: OrderLineFact): OpenLine {
  switch (fact.type) {
    case 'LineDecided':
      return { allocated: fact.data.allocatedQuantity, waiting: fact.data.backorderedQuantity };
    case 'LineAllocated':
    case 'LineAllocationRevoked':
      return { allocated: fact.data.allocatedQuantity, waiting: fact.data.remainingQuantity };
    case 'LineCancelled': {
      const waitingCancelled = fact.data.quantity - fact.data.releasedQuantity;
      return { allocated: Math.max(0, line.allocated - fact.data.releasedQuantity), waiting: Math.max(0, line.waiting - waitingCancelled) };
    }
    case 'LineShipped': {
      const allocatedShipped = Math.min(fact.data.quantity, line.allocated);
      const waitingShipped = Math.min(fact.data.quantity - allocatedShipped, line.waiting);
      return { allocated: line.allocated - allocatedShipped, waiting: line.waiting - waitingShipped };
    }
    default: {
      const unknown: never = fact;
      throw new Error(`unknown order line fact ${JSON.stringify(unknown)}`);
    }
  }
}

export function isClosed(line: OpenLine): boolean {
  return line.allocated === 0 && line.waiting === 0;
}
