import fc from 'fast-check';
import { DEMAND_WINDOW_DAYS, epochDay, planReplenishment, recordDemand, REVIEW_PERIOD_DAYS, StockPosition } from './replenishment';

const now = '2026-12-01T12:00:00Z';
const empty: StockPosition = { onHand: 0, onOrder: 0, allocated: 0, backordered: 0 };

function steady(unitsPerDay: number): Map<number, number> {
  const today = epochDay(now);
  return new Map(Array.from({ length: DEMAND_WINDOW_DAYS }, (_, offset) => [today - offset, unitsPerDay] as [number, number]));
}

describe('replenishment planning', () => {
  describe('when demand is steady', () => {
    it('needs no safety stock and reorders at lead-time demand', () => {
      const plan = planReplenishment(steady(5), 10, { ...empty, onHand: 60 }, now);
      expect(plan).toEqual({ reorderPoint: 50, safetyStock: 0, inventoryPosition: 60, suggestedQuantity: 0 });
    });

    it('suggests ordering up to the reorder point plus a review period of demand once the position falls to it', () => {
      const plan = planReplenishment(steady(5), 10, { onHand: 30, onOrder: 20, allocated: 0, backordered: 0 }, now);
      expect(plan).toEqual({ reorderPoint: 50, safetyStock: 0, inventoryPosition: 50, suggestedQuantity: 5 * REVIEW_PERIOD_DAYS });
    });

    it('counts allocations and backorders against the position', () => {
      const plan = planReplenishment(steady(5), 10, { onHand: 40, onOrder: 30, allocated: 15, backordered: 10 }, now);
      expect(plan?.inventoryPosition).toBe(45);
      expect(plan?.suggestedQuantity).toBe(50 + 35 - 45);
    });
  });

  describe('when demand varies', () => {
    it('keeps safety stock for the variation over the lead time', () => {
      const today = epochDay(now);
      const spiky = new Map(Array.from({ length: DEMAND_WINDOW_DAYS }, (_, offset) => [today - offset, offset % 2 === 0 ? 10 : 0] as [number, number]));
      const plan = planReplenishment(spiky, 9, empty, now);
      // mean 5, standard deviation 5: safety stock = ceil(1.65 * 5 * 3) = 25, reorder point 45 + 25.
      expect(plan).toMatchObject({ safetyStock: 25, reorderPoint: 70 });
    });
  });

  it('plans nothing without a lead time', () => {
    expect(planReplenishment(steady(5), null, empty, now)).toBeNull();
  });

  it('suggests nothing for a SKU that has no demand', () => {
    expect(planReplenishment(new Map(), 14, empty, now)).toEqual({ reorderPoint: 0, safetyStock: 0, inventoryPosition: 0, suggestedQuantity: 0 });
  });

  it('forgets demand older than the window when it records new demand', () => {
    const old = new Map([[epochDay(now) - DEMAND_WINDOW_DAYS * 3, 100]]);
    expect([...recordDemand(old, now, 2)]).toEqual([[epochDay(now), 2]]);
  });

  it('never suggests an order that leaves the position at or below the reorder point', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 50 }), { minLength: DEMAND_WINDOW_DAYS, maxLength: DEMAND_WINDOW_DAYS }),
        fc.integer({ min: 0, max: 60 }),
        fc.record({ onHand: fc.integer({ min: -20, max: 500 }), onOrder: fc.nat({ max: 500 }), allocated: fc.nat({ max: 200 }), backordered: fc.nat({ max: 200 }) }),
        (daily, leadTimeDays, position) => {
          const today = epochDay(now);
          const demand = new Map(daily.map((units, offset) => [today - offset, units] as [number, number]));
          const plan = planReplenishment(demand, leadTimeDays, position, now)!;
          expect(plan.safetyStock).toBeGreaterThanOrEqual(0);
          expect(plan.reorderPoint).toBeGreaterThanOrEqual(plan.safetyStock);
          if (plan.suggestedQuantity > 0) expect(plan.inventoryPosition + plan.suggestedQuantity).toBeGreaterThan(plan.reorderPoint);
          else expect(plan.reorderPoint === 0 || plan.inventoryPosition > plan.reorderPoint).toBe(true);
        },
      ),
    );
  });
});
