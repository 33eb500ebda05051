import fc from 'fast-check';
import { acceptedDemandOf, CLOSED_LINE, isClosed, OpenLine, OrderLineFact, openLineAfter } from './order-line-demand';

const line = { orderId: 'O-1', lineId: 'L-1', sku: 'SKU-1' };
const acceptedAt = '2026-12-01T09:00:00Z';

function decided(allocatedQuantity: number, backorderedQuantity: number): OrderLineFact {
  return { type: 'LineDecided', data: { ...line, allocatedQuantity, backorderedQuantity, acceptedAt } };
}

function after(facts: readonly OrderLineFact[]): OpenLine {
  return facts.reduce(openLineAfter, CLOSED_LINE);
}

describe('order line demand', () => {
  describe('when the saga decides a line', () => {
    it('counts the allocated and backordered units as demand on the day of acceptance', () => {
      expect(acceptedDemandOf(decided(3, 4))).toEqual({ acceptedAt, units: 7 });
    });

    it('counts no demand for a line rejected in full', () => {
      expect(acceptedDemandOf(decided(0, 0))).toBeNull();
    });

    it('counts no demand for facts other than the decision', () => {
      expect(acceptedDemandOf({ type: 'LineAllocated', data: { ...line, allocatedQuantity: 4, remainingQuantity: 0 } })).toBeNull();
    });
  });

  describe('an open line', () => {
    it('waits for its backordered units until stock is allocated to it', () => {
      expect(after([decided(1, 5)])).toEqual({ allocated: 1, waiting: 5 });
      expect(after([decided(1, 5), { type: 'LineAllocated', data: { ...line, allocatedQuantity: 4, remainingQuantity: 2 } }])).toEqual({ allocated: 4, waiting: 2 });
    });

    it('waits again for units whose allocation was revoked', () => {
      expect(after([decided(4, 0), { type: 'LineAllocationRevoked', data: { ...line, allocatedQuantity: 1, remainingQuantity: 3 } }])).toEqual({ allocated: 1, waiting: 3 });
    });

    it('releases allocated units and stops waiting for cancelled ones', () => {
      expect(after([decided(2, 5), { type: 'LineCancelled', data: { ...line, quantity: 6, releasedQuantity: 2 } }])).toEqual({ allocated: 0, waiting: 1 });
    });

    it('ships from its allocation first and then from the units it waits for', () => {
      expect(after([decided(2, 5), { type: 'LineShipped', data: { ...line, quantity: 4 } }])).toEqual({ allocated: 0, waiting: 3 });
    });

    it('is closed once every unit shipped or was cancelled', () => {
      expect(isClosed(after([decided(2, 0), { type: 'LineShipped', data: { ...line, quantity: 2 } }]))).toBe(true);
    });

    it('never holds a negative number of units, whatever the saga reports', () => {
      const fact = fc.oneof(
        fc.record({ allocatedQuantity: fc.nat(20), backorderedQuantity: fc.nat(20) }).map((data): OrderLineFact => ({ type: 'LineDecided', data: { ...line, ...data, acceptedAt } })),
        fc.record({ allocatedQuantity: fc.nat(20), remainingQuantity: fc.nat(20) }).map((data): OrderLineFact => ({ type: 'LineAllocated', data: { ...line, ...data } })),
        fc.record({ quantity: fc.integer({ min: 1, max: 20 }), releasedQuantity: fc.nat(20) }).map((data): OrderLineFact => ({ type: 'LineCancelled', data: { ...line, ...data } })),
        fc.integer({ min: 1, max: 20 }).map((quantity): OrderLineFact => ({ type: 'LineShipped', data: { ...line, quantity } })),
      );
      fc.assert(
        fc.property(fc.array(fact, { maxLength: 30 }), (facts) => {
          let open = CLOSED_LINE;
          for (const next of facts) {
            open = openLineAfter(open, next);
            expect(open.allocated).toBeGreaterThanOrEqual(0);
            expect(open.waiting).toBeGreaterThanOrEqual(0);
          }
        }),
      );
    });
  });
});
