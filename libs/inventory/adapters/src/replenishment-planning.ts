import { cloudEvent, deterministicId, REPLENISHMENT_SUGGESTED, TOPICS } from '@restock/contracts';
import { appendToStreams, assertIdentifier, enqueue, OutboxMessage, prepared, Queryable, runPrepared, StoredEvent } from '@restock/event-store';
import { ConsumedInput, Rejection } from '@restock/messaging';
import {
  decideReplenishment,
  evolveReplenishment,
  initialReplenishmentState,
  ReplenishmentEvent,
  ReplenishmentState,
  ReviewReplenishment,
} from '@restock/inventory-domain';
import { SOURCE } from './stock-batch';

/**
 * Every review decision (new figures, a suggestion, a re-arming) is recorded on the SKU's
 * replenishment stream, so `replenishment` rebuilds from the event store without reviewing again.
 */
export const REPLENISHMENT_STREAM_PREFIX = 'sku-replenishment:';

/** The input a SKU's review answers to: the last input of the batch that named the SKU. */
export interface ReviewCause {
  readonly sku: string;
  readonly inputId: string;
  readonly time: string;
}

interface Reviewed {
  readonly cause: ReviewCause;
  readonly version: number;
  readonly events: readonly ReplenishmentEvent[];
  readonly state: ReplenishmentState;
}

/** One cause per SKU the batch touched: its last input, leaving out inputs the handler refused. */
export function reviewCausesOf(inputs: readonly ConsumedInput[], rejected: readonly Rejection[] = []): ReviewCause[] {
  const refused = new Set(rejected.map((rejection) => rejection.inputId));
  const causes = new Map<string, ReviewCause>();
  for (const input of inputs) {
    if (refused.has(input.event.id)) continue;
    const { sku } = input.event.data as { sku: string };
    causes.delete(sku);
    causes.set(sku, { sku, inputId: input.event.id, time: input.event.time });
  }
  return [...causes.values()];
}

interface ReviewRow {
  sku: string;
  lead_time_days: number | null;
  discontinued: boolean | null;
  last_supplier_id: string | null;
  demand: Record<string, string | number>;
  on_hand: string;
  on_order: string;
  allocated: string;
  backordered: string;
  status: ReplenishmentState['status'] | null;
  reorder_point: number | null;
  safety_stock: number | null;
  version: number;
}

const LOAD_REVIEWS = prepared(
  'restock_load_reviews',
  `SELECT k.sku, p.lead_time_days, p.discontinued, p.last_supplier_id,
     COALESCE((SELECT json_object_agg(d.day, d.units) FROM sku_demand d WHERE d.sku = k.sku), '{}') AS demand,
     COALESCE((SELECT sum(w.on_hand) FROM warehouse_stock w WHERE w.sku = k.sku), 0) AS on_hand,
     COALESCE((SELECT sum(s.remaining_quantity) FROM supply_pipeline s WHERE s.sku = k.sku AND s.status = 'OPEN'), 0) AS on_order,
     COALESCE(l.allocated, 0) AS allocated,
     COALESCE(l.backordered_quantity, 0) AS backordered,
     r.status, r.reorder_point, r.safety_stock,
     COALESCE((SELECT version FROM streams WHERE stream_id = $2 || k.sku), 0) AS version
   FROM unnest($1::text[]) AS k(sku)
   LEFT JOIN sku_planning p ON p.sku = k.sku
   LEFT JOIN sku_ledger l ON l.sku = k.sku
   LEFT JOIN replenishment r ON r.sku = k.sku`,
);

/**
 * Everything a review of each SKU reads, in one query: the planning inputs, the figures of the
 * inventory position as GET /inventory shows them, the last decision and the stream version.
 */
async function loadReviews(tx: Queryable, skus: readonly string[]): Promise<Map<string, ReviewRow>> {
  const result = await runPrepared<ReviewRow>(
    tx,
    LOAD_REVIEWS,
    [skus, REPLENISHMENT_STREAM_PREFIX],
  );
  return new Map(result.rows.map((row) => [row.sku, row]));
}

function stateOf(row: { status: ReplenishmentState['status'] | null; reorder_point: number | null; safety_stock: number | null }): ReplenishmentState {
  if (row.status === null) return initialReplenishmentState();
  const figures = row.reorder_point === null || row.safety_stock === null ? null : { reorderPoint: row.reorder_point, safetyStock: row.safety_stock };
  return { status: row.status, figures };
}

function commandOf(row: ReviewRow, cause: ReviewCause): ReviewReplenishment {
  return {
    type: 'ReviewReplenishment',
    data: {
      sku: row.sku,
      demand: new Map(Object.entries(row.demand).map(([day, units]) => [Number(day), Number(units)])),
      leadTimeDays: row.lead_time_days,
      discontinued: row.discontinued ?? false,
      position: { onHand: Number(row.on_hand), onOrder: Number(row.on_order), allocated: Number(row.allocated), backordered: Number(row.backordered) },
      supplierId: row.last_supplier_id,
    },
    metadata: { now: cause.time },
  };
}

function eventIdOf(cause: ReviewCause, event: ReplenishmentEvent): string {
  return deterministicId(cause.inputId, event.type, cause.sku);
}

/** The public suggestion: its id derives from the input that caused it, so a replay re-creates it. */
export function replenishmentSuggestedMessage(cause: ReviewCause, event: ReplenishmentEvent): OutboxMessage | null {
  if (event.type !== 'ReplenishmentSuggested') return null;
  const { sku, quantity, reorderPoint, safetyStock, inventoryPosition, supplierId } = event.data;
  return {
    topic: TOPICS.replenishment,
    key: sku,
    value: cloudEvent({
      id: eventIdOf(cause, event),
      source: SOURCE,
      type: REPLENISHMENT_SUGGESTED,
      time: cause.time,
      causationid: cause.inputId,
      data: { sku, quantity, reorderPoint, safetyStock, inventoryPosition, supplierId },
    }),
  };
}

/** Writes each SKU's review state to `replenishment<suffix>`. */
async function saveReplenishment(tx: Queryable, states: ReadonlyMap<string, ReplenishmentState>, suffix = ''): Promise<void> {
  if (states.size === 0) return;
  const rows = [...states].map(([sku, state]) => ({ sku, status: state.status, reorderPoint: state.figures?.reorderPoint ?? null, safetyStock: state.figures?.safetyStock ?? null }));
  await tx.query(
    `INSERT INTO ${assertIdentifier(`replenishment${suffix}`)} (sku, status, reorder_point, safety_stock)
     SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::int[])
     ON CONFLICT (sku) DO UPDATE SET status = EXCLUDED.status, reorder_point = EXCLUDED.reorder_point, safety_stock = EXCLUDED.safety_stock`,
    [rows.map((r) => r.sku), rows.map((r) => r.status), rows.map((r) => r.reorderPoint), rows.map((r) => r.safetyStock)],
  );
}

/**
 * Reviews every SKU a batch touched, after the batch's facts are applied and in its transaction:
 * one query reads them all, each is decided by the pure domain, and the decisions are appended,
 * projected and published (suggestions only, through the outbox) with one statement each.
 */
export async function reviewReplenishment(tx: Queryable, causes: readonly ReviewCause[]): Promise<void> {
  if (causes.length === 0) return;
  const rows = await loadReviews(tx, causes.map((cause) => cause.sku));
  const reviewed: Reviewed[] = causes.map((cause) => {
    const row = rows.get(cause.sku)!;
    const state = stateOf(row);
    const events = decideReplenishment(commandOf(row, cause), state);
    return { cause, version: row.version, events, state: events.reduce(evolveReplenishment, state) };
  });
  const changed = reviewed.filter((review) => review.events.length > 0);
  if (changed.length === 0) return;
  await appendToStreams(
    tx,
    changed.map(({ cause, version, events }) => ({
      streamId: REPLENISHMENT_STREAM_PREFIX + cause.sku,
      expectedVersion: version,
      events: events.map((event) => ({ id: eventIdOf(cause, event), type: event.type, data: event.data, metadata: { causationId: cause.inputId, now: cause.time } })),
    })),
  );
  await saveReplenishment(tx, new Map(changed.map((review) => [review.cause.sku, review.state])));
  await enqueue(tx, changed.flatMap(({ cause, events }) => events.map((event) => replenishmentSuggestedMessage(cause, event)).filter((message) => message !== null)));
}

/** Applies stored review decisions to `replenishment<suffix>` exactly as the live path writes them. */
export async function projectReplenishmentEvents(tx: Queryable, stored: readonly StoredEvent[], suffix: string): Promise<void> {
  const events = stored.filter((event) => event.streamId.startsWith(REPLENISHMENT_STREAM_PREFIX)).map((event) => ({ type: event.type, data: event.data }) as ReplenishmentEvent);
  if (events.length === 0) return;
  const skus = [...new Set(events.map((event) => event.data.sku))];
  const loaded = await tx.query<{ sku: string; status: ReplenishmentState['status']; reorder_point: number | null; safety_stock: number | null }>(
    `SELECT sku, status, reorder_point, safety_stock FROM ${assertIdentifier(`replenishment${suffix}`)} WHERE sku = ANY($1::text[])`,
    [skus],
  );
  const states = new Map<string, ReplenishmentState>(loaded.rows.map((row) => [row.sku, stateOf(row)]));
  for (const event of events) states.set(event.data.sku, evolveReplenishment(states.get(event.data.sku) ?? initialReplenishmentState(), event));
  await saveReplenishment(tx, states, suffix);
}
