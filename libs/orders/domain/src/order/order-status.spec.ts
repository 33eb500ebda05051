import type { LineState } from './line-facts';
import type { OrderState, PlacedOrder } from './order';
import { orderStatus } from './order-status';

const placedOrder: PlacedOrder = { orderId: 'order-1', customerId: 'customer-1', placedAt: '2026-12-01T10:00:00Z', lines: [] };

function line(quantities: Partial<LineState>): LineState {
  return {
    lineId: 'line',
    sku: 'SKU-A',
    quantity: 4,
    decision: null,
    allocatedQuantity: 0,
    backorderedQuantity: 0,
    rejectedQuantity: 0,
    shippedQuantity: 0,
    cancelledQuantity: 0,
    eta: null,
    etaConfidence: null,
    cancellationRequested: false,
    ...quantities,
  };
}

function acknowledgedWith(...lines: LineState[]): OrderState {
  return { status: 'ACKNOWLEDGED', order: placedOrder, lines, paymentRequested: false };
}

describe('order status', () => {
  it('is PENDING until the order is acknowledged', () => {
    const awaiting: OrderState = { status: 'AWAITING_DECISIONS', order: placedOrder, lines: [line({ allocatedQuantity: 4 })], held: [] };
    expect(orderStatus(awaiting)).toBe('PENDING');
  });

  it('is REJECTED when no unit was accepted', () => expect(orderStatus(acknowledgedWith(line({ rejectedQuantity: 4 }), line({ rejectedQuantity: 4 })))).toBe('REJECTED'));

  it('is CANCELLED when every accepted unit was cancelled', () =>
    expect(orderStatus(acknowledgedWith(line({ rejectedQuantity: 4 }), line({ cancelledQuantity: 4 })))).toBe('CANCELLED'));

  it('is SHIPPED when nothing is open and something was shipped', () =>
    expect(orderStatus(acknowledgedWith(line({ shippedQuantity: 2, cancelledQuantity: 2 }), line({ rejectedQuantity: 4 })))).toBe('SHIPPED'));

  it('is ALLOCATED when every open unit is allocated', () =>
    expect(orderStatus(acknowledgedWith(line({ allocatedQuantity: 2, shippedQuantity: 2 }), line({ rejectedQuantity: 4 })))).toBe('ALLOCATED'));

  it('is PARTIALLY_ALLOCATED when some units wait and others are allocated', () =>
    expect(orderStatus(acknowledgedWith(line({ allocatedQuantity: 4 }), line({ backorderedQuantity: 4 })))).toBe('PARTIALLY_ALLOCATED'));

  it('is PARTIALLY_ALLOCATED when some units wait and others were shipped', () =>
    expect(orderStatus(acknowledgedWith(line({ shippedQuantity: 1, backorderedQuantity: 3 })))).toBe('PARTIALLY_ALLOCATED'));

  it('is BACKORDERED when units wait and none is allocated or shipped', () =>
    expect(orderStatus(acknowledgedWith(line({ backorderedQuantity: 2, rejectedQuantity: 2 }), line({ cancelledQuantity: 4 })))).toBe('BACKORDERED'));
});
