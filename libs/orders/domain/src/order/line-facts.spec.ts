import { applyFact, isOpen, LineDecision, LineFact, LineState, undecidedLine } from './line-facts';

const ref = { orderId: 'order-1', lineId: 'line-1', sku: 'SKU-A' };

function decided(allocatedQuantity: number, backorderedQuantity: number): LineState {
  const decision: LineDecision = {
    ...ref,
    quantity: allocatedQuantity + backorderedQuantity,
    status: backorderedQuantity === 0 ? 'ALLOCATED' : allocatedQuantity === 0 ? 'BACKORDERED' : 'PARTIALLY_ALLOCATED',
    allocatedQuantity,
    backorderedQuantity,
    rejectedQuantity: 0,
    rejectionReason: null,
    eta: backorderedQuantity > 0 ? '2026-12-10' : null,
    etaConfidence: backorderedQuantity > 0 ? 'CONFIRMED' : null,
    acceptedAt: '2026-12-01T10:00:00Z',
    deadline: null,
  };
  return applyFact(undecidedLine({ ...ref, quantity: decision.quantity }), { type: 'LineDecided', data: decision });
}

function quantities(line: LineState) {
  const { allocatedQuantity, backorderedQuantity, shippedQuantity, cancelledQuantity, eta } = line;
  return { allocatedQuantity, backorderedQuantity, shippedQuantity, cancelledQuantity, eta };
}

describe('an order line', () => {
  it('is open until it is decided', () => expect(isOpen(undecidedLine({ ...ref, quantity: 1 }))).toBe(true));

  it('loses its ETA once nothing of it waits', () => {
    const fact: LineFact = { type: 'LineAllocated', data: { ...ref, quantity: 2, allocatedQuantity: 3, remainingQuantity: 0 } };
    expect(quantities(applyFact(decided(1, 2), fact))).toEqual({ allocatedQuantity: 3, backorderedQuantity: 0, shippedQuantity: 0, cancelledQuantity: 0, eta: null });
  });

  it('ships from its allocation first and takes units shipped beyond it from the queue', () => {
    const fact: LineFact = { type: 'LineShipped', data: { ...ref, shipmentId: 'shipment-1', quantity: 3 } };
    expect(quantities(applyFact(decided(2, 2), fact))).toEqual({ allocatedQuantity: 0, backorderedQuantity: 1, shippedQuantity: 3, cancelledQuantity: 0, eta: '2026-12-10' });
  });

  it('cancels its waiting units and releases its allocated ones', () => {
    const fact: LineFact = { type: 'LineCancelled', data: { ...ref, quantity: 4, releasedQuantity: 1, reason: 'CUSTOMER' } };
    const line = applyFact(decided(1, 3), fact);
    expect(quantities(line)).toEqual({ allocatedQuantity: 0, backorderedQuantity: 0, shippedQuantity: 0, cancelledQuantity: 4, eta: null });
    expect(isOpen(line)).toBe(false);
  });

  it('keeps the allocated part when only the waiting part is cancelled', () => {
    const fact: LineFact = { type: 'LineCancelled', data: { ...ref, quantity: 3, releasedQuantity: 0, reason: 'BACKORDER_EXPIRED' } };
    const line = applyFact(decided(1, 3), fact);
    expect(quantities(line)).toEqual({ allocatedQuantity: 1, backorderedQuantity: 0, shippedQuantity: 0, cancelledQuantity: 3, eta: null });
    expect(isOpen(line)).toBe(true);
  });
});
