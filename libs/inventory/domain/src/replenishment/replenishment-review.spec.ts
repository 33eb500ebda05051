import fc from 'fast-check';
import { DEMAND_WINDOW_DAYS, epochDay, REVIEW_PERIOD_DAYS, StockPosition } from './replenishment';
import {
  decideReplenishment,
  evolveReplenishment,
  initialReplenishmentState,
  ReplenishmentEvent,
  ReplenishmentState,
  ReviewReplenishment,
} from './replenishment-review';

const now = '2026-12-01T12:00:00Z';
const SKU = 'SKU-1';

function steady(unitsPerDay: number): Map<number, number> {
  const today = epochDay(now);
  return new Map(Array.from({ length: DEMAND_WINDOW_DAYS }, (_, offset) => [today - offset, unitsPerDay] as [number, number]));
}

function position(onHand: number, onOrder = 0): StockPosition {
  return { onHand, onOrder, allocated: 0, backordered: 0 };
}

/** 5 units a day and a lead time of 10 days: reorder point 50, no safety stock. */
function review(stock: StockPosition, overrides: Partial<ReviewReplenishment['data']> = {}): ReviewReplenishment {
  return {
    type: 'ReviewReplenishment',
    data: { sku: SKU, demand: steady(5), leadTimeDays: 10, discontinued: false, position: stock, supplierId: 'SUP-1', ...overrides },
    metadata: { now },
  };
}

/** given(events).when(review).then(events), over the replenishment decider. */
function given(events: readonly ReplenishmentEvent[]) {
  const state = events.reduce(evolveReplenishment, initialReplenishmentState());
  return {
    when: (command: ReviewReplenishment) => ({
      then: (expected: readonly ReplenishmentEvent[]) => expect(decideReplenishment(command, state)).toEqual(expected),
    }),
  };
}

const planned = (reorderPoint: number | null, safetyStock: number | null): ReplenishmentEvent => ({
  type: 'ReplenishmentFiguresChanged',
  data: { sku: SKU, reorderPoint, safetyStock, plannedAt: now },
});
const suggested = (quantity: number, inventoryPosition: number, supplierId: string | null = 'SUP-1'): ReplenishmentEvent => ({
  type: 'ReplenishmentSuggested',
  data: { sku: SKU, quantity, reorderPoint: 50, safetyStock: 0, inventoryPosition, supplierId, suggestedAt: now },
});
const rearmed = (inventoryPosition: number): ReplenishmentEvent => ({
  type: 'ReplenishmentRearmed',
  data: { sku: SKU, inventoryPosition, reorderPoint: 50, rearmedAt: now },
});
const ORDER_UP_TO = 50 + 5 * REVIEW_PERIOD_DAYS;

describe('replenishment review', () => {
  describe('when the SKU is armed', () => {
    it('records the figures and suggests nothing while the position is above the reorder point', () => {
      given([]).when(review(position(51))).then([planned(50, 0)]);
    });

    it('suggests ordering up to the reorder point plus a review period once the position falls to the reorder point', () => {
      given([planned(50, 0)]).when(review(position(50))).then([suggested(ORDER_UP_TO - 50, 50)]);
    });

    it('counts open purchase orders, allocations and backorders in the position', () => {
      given([planned(50, 0)])
        .when(review({ onHand: 30, onOrder: 20, allocated: 5, backordered: 7 }))
        .then([suggested(ORDER_UP_TO - 38, 38)]);
    });

    it('suggests with no supplier when no purchase-order line is known', () => {
      given([planned(50, 0)]).when(review(position(10), { supplierId: null })).then([suggested(ORDER_UP_TO - 10, 10, null)]);
    });

    it('suggests nothing for a SKU without demand, whose reorder point is 0', () => {
      given([]).when(review(position(0), { demand: new Map() })).then([planned(0, 0)]);
    });
  });

  describe('when a suggestion is outstanding', () => {
    const outstanding = [planned(50, 0), suggested(ORDER_UP_TO - 40, 40)];

    it('does not suggest again while the position stays at or below the reorder point', () => {
      given(outstanding).when(review(position(20))).then([]);
      given(outstanding).when(review(position(50))).then([]);
    });

    it('re-arms once the position rises above the reorder point, e.g. after a purchase-order line is placed', () => {
      given(outstanding).when(review(position(40, 45))).then([rearmed(85)]);
    });

    it('suggests again when the position falls to the reorder point after re-arming', () => {
      given([...outstanding, rearmed(85)]).when(review(position(45))).then([suggested(ORDER_UP_TO - 45, 45)]);
    });
  });

  describe('when nothing can be planned', () => {
    it('has no figures and suggests nothing without a lead time', () => {
      given([]).when(review(position(0), { leadTimeDays: null })).then([]);
    });

    it('forgets the figures and never suggests for a discontinued product', () => {
      given([planned(50, 0)]).when(review(position(0), { discontinued: true })).then([planned(null, null)]);
    });

    it('keeps an outstanding suggestion while the lead time is unknown, and does not repeat it when the lead time returns', () => {
      const unplanned = [planned(50, 0), suggested(ORDER_UP_TO - 40, 40), planned(null, null)];
      expect(unplanned.reduce(evolveReplenishment, initialReplenishmentState())).toEqual({ status: 'SUGGESTED', figures: null });
      given(unplanned).when(review(position(30))).then([planned(50, 0)]);
    });
  });

  describe('over any sequence of reviews', () => {
    const reviewArbitrary = fc.record({
      unitsPerDay: fc.array(fc.nat({ max: 20 }), { minLength: DEMAND_WINDOW_DAYS, maxLength: DEMAND_WINDOW_DAYS }),
      leadTimeDays: fc.option(fc.integer({ min: 0, max: 30 }), { freq: 8 }),
      // A few of the reviews see the product discontinued.
      discontinued: fc.integer({ min: 0, max: 19 }).map((roll) => roll === 0),
      position: fc.record({ onHand: fc.integer({ min: -50, max: 600 }), onOrder: fc.nat({ max: 300 }), allocated: fc.nat({ max: 100 }), backordered: fc.nat({ max: 100 }) }),
    });

    function commandOf(generated: { unitsPerDay: number[]; leadTimeDays: number | null; discontinued: boolean; position: StockPosition }): ReviewReplenishment {
      const today = epochDay(now);
      const demand = new Map(generated.unitsPerDay.map((units, offset) => [today - offset, units] as [number, number]));
      return { type: 'ReviewReplenishment', data: { sku: SKU, demand, leadTimeDays: generated.leadTimeDays, discontinued: generated.discontinued, position: generated.position, supplierId: null }, metadata: { now } };
    }

    it('never suggests twice without the position rising above the reorder point in between, and every suggestion lifts the position above it', () => {
      fc.assert(
        fc.property(fc.array(reviewArbitrary, { minLength: 1, maxLength: 40, size: 'max' }), (reviews) => {
          let state: ReplenishmentState = initialReplenishmentState();
          let outstanding = false;
          for (const command of reviews.map(commandOf)) {
            for (const event of decideReplenishment(command, state)) {
              if (event.type === 'ReplenishmentSuggested') {
                expect(outstanding).toBe(false);
                expect(event.data.inventoryPosition).toBeLessThanOrEqual(event.data.reorderPoint);
                expect(event.data.inventoryPosition + event.data.quantity).toBeGreaterThan(event.data.reorderPoint);
                outstanding = true;
              }
              if (event.type === 'ReplenishmentRearmed') {
                expect(event.data.inventoryPosition).toBeGreaterThan(event.data.reorderPoint);
                outstanding = false;
              }
              state = evolveReplenishment(state, event);
            }
            expect(state.status).toBe(outstanding ? 'SUGGESTED' : 'ARMED');
          }
        }),
      );
    });

    it('never leaves an armed, plannable SKU at or below a positive reorder point unsuggested', () => {
      fc.assert(
        fc.property(fc.array(reviewArbitrary, { minLength: 1, maxLength: 40, size: 'max' }), (reviews) => {
          let state: ReplenishmentState = initialReplenishmentState();
          for (const command of reviews.map(commandOf)) {
            state = decideReplenishment(command, state).reduce(evolveReplenishment, state);
            if (state.status === 'ARMED' && state.figures !== null && state.figures.reorderPoint > 0) {
              const { onHand, onOrder, allocated, backordered } = command.data.position;
              expect(onHand + onOrder - allocated - backordered).toBeGreaterThan(state.figures.reorderPoint);
            }
          }
        }),
      );
    });
  });
});
