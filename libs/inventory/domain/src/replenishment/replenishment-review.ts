import { DailyDemand, planReplenishment, ReplenishmentPlan, StockPosition } from './replenishment';

/**
 * When to suggest replenishment for one SKU. After every batch that touched the SKU the adapter
 * reviews it with the current figures; a suggestion is made once when the inventory position
 * falls to the reorder point, and the SKU is re-armed only once the position rises above the
 * reorder point again (typically after a purchase-order line is placed), so a position that stays
 * low does not repeat the suggestion on every batch.
 */

export interface ReplenishmentFigures {
  readonly reorderPoint: number;
  readonly safetyStock: number;
}

/**
 * ARMED: the next fall of the position to the reorder point is suggested. SUGGESTED: a suggestion
 * is outstanding for the current low position. `figures` are null while nothing can be planned.
 */
export type ReplenishmentState =
  | { readonly status: 'ARMED'; readonly figures: ReplenishmentFigures | null }
  | { readonly status: 'SUGGESTED'; readonly figures: ReplenishmentFigures | null };

export interface ReviewReplenishment {
  readonly type: 'ReviewReplenishment';
  readonly data: {
    readonly sku: string;
    readonly demand: DailyDemand;
    /** Null while the catalog knows no lead time for the SKU. */
    readonly leadTimeDays: number | null;
    readonly discontinued: boolean;
    readonly position: StockPosition;
    /** The supplier of the SKU's most recent purchase-order line, null when none is known. */
    readonly supplierId: string | null;
  };
  readonly metadata: { readonly now: string };
}

export type ReplenishmentFiguresChanged = {
  readonly type: 'ReplenishmentFiguresChanged';
  readonly data: { readonly sku: string; readonly reorderPoint: number | null; readonly safetyStock: number | null; readonly plannedAt: string };
};
export type ReplenishmentSuggested = {
  readonly type: 'ReplenishmentSuggested';
  readonly data: {
    readonly sku: string;
    readonly quantity: number;
    readonly reorderPoint: number;
    readonly safetyStock: number;
    readonly inventoryPosition: number;
    readonly supplierId: string | null;
    readonly suggestedAt: string;
  };
};
export type ReplenishmentRearmed = {
  readonly type: 'ReplenishmentRearmed';
  readonly data: { readonly sku: string; readonly inventoryPosition: number; readonly reorderPoint: number; readonly rearmedAt: string };
};

export type ReplenishmentEvent = ReplenishmentFiguresChanged | ReplenishmentSuggested | ReplenishmentRearmed;

export function initialReplenishmentState(): ReplenishmentState {
  return { status: 'ARMED', figures: null };
}

/** A discontinued product is never replenished, so it has no reorder point either. */
function planOf(command: ReviewReplenishment): ReplenishmentPlan | null {
  const { demand, leadTimeDays, discontinued, position } = command.data;
  if (discontinued) return null;
  return planReplenishment(demand, leadTimeDays, position, command.metadata.now);
}

function sameFigures(figures: ReplenishmentFigures | null, plan: ReplenishmentPlan | null): boolean {
  if (figures === null || plan === null) return figures === null && plan === null;
  return figures.reorderPoint === plan.reorderPoint && figures.safetyStock === plan.safetyStock;
}

/** The suggestion or re-arming the plan calls for in this state, if any. */
function suggestionStep(command: ReviewReplenishment, state: ReplenishmentState, plan: ReplenishmentPlan): ReplenishmentEvent[] {
  const { sku, supplierId } = command.data;
  const { now } = command.metadata;
  const { reorderPoint, safetyStock, inventoryPosition, suggestedQuantity } = plan;
  if (state.status === 'ARMED' && suggestedQuantity > 0) {
    return [{ type: 'ReplenishmentSuggested', data: { sku, quantity: suggestedQuantity, reorderPoint, safetyStock, inventoryPosition, supplierId, suggestedAt: now } }];
  }
  if (state.status === 'SUGGESTED' && inventoryPosition > reorderPoint) {
    return [{ type: 'ReplenishmentRearmed', data: { sku, inventoryPosition, reorderPoint, rearmedAt: now } }];
  }
  return [];
}

/**
 * The events of one review: the new reorder point and safety stock when they moved, then a
 * suggestion or a re-arming. Without a plan (no lead time, discontinued) the outstanding state
 * stays as it is: a suggestion is neither repeated nor forgotten.
 */
export function decideReplenishment(command: ReviewReplenishment, state: ReplenishmentState): ReplenishmentEvent[] {
  const plan = planOf(command);
  const { sku } = command.data;
  const figuresChanged: ReplenishmentEvent[] = sameFigures(state.figures, plan)
    ? []
    : [{ type: 'ReplenishmentFiguresChanged', data: { sku, reorderPoint: plan?.reorderPoint ?? null, safetyStock: plan?.safetyStock ?? null, plannedAt: command.metadata.now } }];
  return plan === null ? figuresChanged : [...figuresChanged, ...suggestionStep(command, state, plan)];
}

export function evolveReplenishment(state: ReplenishmentState, event: ReplenishmentEvent): ReplenishmentState {
  switch (event.type) {
    case 'ReplenishmentFiguresChanged': {
      const { reorderPoint, safetyStock } = event.data;
      return { ...state, figures: reorderPoint === null || safetyStock === null ? null : { reorderPoint, safetyStock } };
    }
    case 'ReplenishmentSuggested':
      return { ...state, status: 'SUGGESTED' };
    case 'ReplenishmentRearmed':
      return { ...state, status: 'ARMED' };
    default: {
      const unknown: never = event;
      throw new Error(`unknown replenishment event ${JSON.stringify(unknown)}`);
    }
  }
}
