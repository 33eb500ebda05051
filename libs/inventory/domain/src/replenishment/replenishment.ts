/**
 * Replenishment planning for one SKU (DESIGN.md "reorder point": lead-time demand + safety stock;
 * when the inventory position falls to it, replenish). Pure: the demand history and "now" come in.
 */

export const DEMAND_WINDOW_DAYS = 28;
/**
 * Days of demand kept behind the latest day with demand: twice the window, so a review whose
 * event time lags the latest demand still finds its whole window.
 */
export const DEMAND_HISTORY_DAYS = DEMAND_WINDOW_DAYS * 2;
/** z for a 95% cycle service level. */
export const SERVICE_LEVEL_Z = 1.65;
/** How many days of demand an order covers beyond the reorder point (an order-up-to policy). */
export const REVIEW_PERIOD_DAYS = 7;
const DAY_MS = 86_400_000;

/** Accepted units per UTC day (epoch day number → units); days without demand are absent. */
export type DailyDemand = ReadonlyMap<number, number>;

export interface StockPosition {
  readonly onHand: number;
  /** Open purchase-order quantity still to arrive. */
  readonly onOrder: number;
  readonly allocated: number;
  /** Accepted units still waiting for stock. */
  readonly backordered: number;
}

export interface ReplenishmentPlan {
  readonly reorderPoint: number;
  readonly safetyStock: number;
  readonly inventoryPosition: number;
  /** Units to order now; 0 when the position is above the reorder point. */
  readonly suggestedQuantity: number;
}

export function epochDay(instant: string): number {
  return Math.floor(Date.parse(instant) / DAY_MS);
}

/** The demand of the window ending on `today` (inclusive), one figure per day, zeros included. */
function windowOf(demand: DailyDemand, today: number): number[] {
  return Array.from({ length: DEMAND_WINDOW_DAYS }, (_, offset) => demand.get(today - offset) ?? 0);
}

export function inventoryPosition(position: StockPosition): number {
  return position.onHand + position.onOrder - position.allocated - position.backordered;
}

/**
 * The reorder point and safety stock from the last DEMAND_WINDOW_DAYS of demand, and what to
 * order now. Without a lead time there is nothing to plan against: null.
 */
export function planReplenishment(demand: DailyDemand, leadTimeDays: number | null, position: StockPosition, now: string): ReplenishmentPlan | null {
  if (leadTimeDays === null) return null;
  const days = windowOf(demand, epochDay(now));
  const mean = days.reduce((sum, units) => sum + units, 0) / days.length;
  const variance = days.reduce((sum, units) => sum + (units - mean) ** 2, 0) / days.length;
  const safetyStock = Math.ceil(SERVICE_LEVEL_Z * Math.sqrt(variance) * Math.sqrt(leadTimeDays));
  const reorderPoint = Math.ceil(mean * leadTimeDays) + safetyStock;
  const current = inventoryPosition(position);
  const orderUpTo = reorderPoint + Math.ceil(mean * REVIEW_PERIOD_DAYS);
  const suggestedQuantity = reorderPoint > 0 && current <= reorderPoint ? Math.max(1, orderUpTo - current) : 0;
  return { reorderPoint, safetyStock, inventoryPosition: current, suggestedQuantity };
}

/** Adds accepted units to the day they were accepted and forgets days older than the window. */
export function recordDemand(demand: ReadonlyMap<number, number>, acceptedAt: string, units: number): Map<number, number> {
  const day = epochDay(acceptedAt);
  const next = new Map([...demand].filter(([known]) => known > day - DEMAND_HISTORY_DAYS));
  next.set(day, (next.get(day) ?? 0) + units);
  return next;
}
