import { deterministicId, PRODUCT_DEFINED, PRODUCT_DISCONTINUED, SUPPLY_EXPECTED, SupplyEvent, SupplyExpected } from '@restock/contracts';
import { assertIdentifier, Queryable, StoredEvent } from '@restock/event-store';
import { ConsumedInput } from '@restock/messaging';
import { acceptedDemandOf, CLOSED_LINE, DEMAND_HISTORY_DAYS, epochDay, isClosed, OpenLine, ORDER_LINE_FACT_TYPES, OrderLineFact, openLineAfter } from '@restock/inventory-domain';
import { appendFacts, eventsOfStreams } from './recorded-facts';
import { PIPELINE_STREAM_PREFIX, recordedSupplyFacts } from './supply-pipeline-projection';

/**
 * What replenishment planning reads of the other services: the catalog's lead time and
 * discontinuation, the saga's decisions and moves of order lines, and the supplier of the latest
 * purchase-order line. Catalog and line facts are recorded on the SKU's planning stream before
 * they move the tables; the supplier comes from the supply facts already on the pipeline stream.
 */
export const PLANNING_STREAM_PREFIX = 'sku-planning:';
export const PLANNING_FACT_RECORDED = 'PlanningFactRecorded';

export type ProductFact =
  | { readonly type: 'ProductDefined'; readonly data: { readonly sku: string; readonly leadTimeDays: number | null } }
  | { readonly type: 'ProductDiscontinued'; readonly data: { readonly sku: string } };
export type SupplierFact = { readonly type: 'SupplyExpected'; readonly data: { readonly sku: string; readonly supplierId: string } };
export type PlanningFact = OrderLineFact | ProductFact | SupplierFact;

const RECORDED_TYPES: ReadonlySet<string> = new Set<string>([...ORDER_LINE_FACT_TYPES, PRODUCT_DEFINED, PRODUCT_DISCONTINUED]);

interface SkuPlanning {
  readonly leadTimeDays: number | null;
  readonly discontinued: boolean;
  readonly lastSupplierId: string | null;
}

const UNPLANNED: SkuPlanning = { leadTimeDays: null, discontinued: false, lastSupplierId: null };

function table(name: string, suffix: string): string {
  return assertIdentifier(name + suffix);
}

function planningAfter(planning: SkuPlanning, fact: ProductFact | SupplierFact): SkuPlanning {
  switch (fact.type) {
    case 'ProductDefined':
      return { ...planning, leadTimeDays: fact.data.leadTimeDays };
    case 'ProductDiscontinued':
      return { ...planning, discontinued: true };
    case 'SupplyExpected':
      return { ...planning, lastSupplierId: fact.data.supplierId };
    default: {
      const unknown: never = fact;
      throw new Error(`unknown planning fact ${JSON.stringify(unknown)}`);
    }
  }
}

async function projectSkuPlanning(tx: Queryable, facts: readonly (ProductFact | SupplierFact)[], suffix: string): Promise<void> {
  if (facts.length === 0) return;
  const skus = [...new Set(facts.map((fact) => fact.data.sku))];
  const loaded = await tx.query<{ sku: string; lead_time_days: number | null; discontinued: boolean; last_supplier_id: string | null }>(
    `SELECT * FROM ${table('sku_planning', suffix)} WHERE sku = ANY($1::text[])`,
    [skus],
  );
  const plannings = new Map<string, SkuPlanning>(
    loaded.rows.map((row) => [row.sku, { leadTimeDays: row.lead_time_days, discontinued: row.discontinued, lastSupplierId: row.last_supplier_id }]),
  );
  for (const fact of facts) plannings.set(fact.data.sku, planningAfter(plannings.get(fact.data.sku) ?? UNPLANNED, fact));
  const rows = skus.map((sku) => ({ sku, ...plannings.get(sku)! }));
  await tx.query(
    `INSERT INTO ${table('sku_planning', suffix)} (sku, lead_time_days, discontinued, last_supplier_id)
     SELECT * FROM unnest($1::text[], $2::int[], $3::boolean[], $4::text[])
     ON CONFLICT (sku) DO UPDATE SET lead_time_days = EXCLUDED.lead_time_days, discontinued = EXCLUDED.discontinued,
       last_supplier_id = EXCLUDED.last_supplier_id`,
    [rows.map((r) => r.sku), rows.map((r) => r.leadTimeDays), rows.map((r) => r.discontinued), rows.map((r) => r.lastSupplierId)],
  );
}

function lineKeyOf(sku: string, orderId: string, lineId: string): string {
  return JSON.stringify([sku, orderId, lineId]);
}

interface OpenLineRow extends OpenLine {
  readonly sku: string;
  readonly orderId: string;
  readonly lineId: string;
}

async function upsertOpenLines(tx: Queryable, rows: readonly OpenLineRow[], suffix: string): Promise<void> {
  await tx.query(
    `INSERT INTO ${table('open_order_lines', suffix)} (sku, order_id, line_id, allocated, waiting)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[])
     ON CONFLICT (sku, order_id, line_id) DO UPDATE SET allocated = EXCLUDED.allocated, waiting = EXCLUDED.waiting`,
    [rows.map((r) => r.sku), rows.map((r) => r.orderId), rows.map((r) => r.lineId), rows.map((r) => r.allocated), rows.map((r) => r.waiting)],
  );
}

/** Moves the open lines the facts name, in the facts' order; closed lines leave the table. */
async function projectOpenLines(tx: Queryable, facts: readonly OrderLineFact[], suffix: string): Promise<void> {
  if (facts.length === 0) return;
  const loaded = await tx.query<{ sku: string; order_id: string; line_id: string; allocated: number; waiting: number }>(
    `SELECT l.* FROM ${table('open_order_lines', suffix)} l
     JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(sku, order_id, line_id) USING (sku, order_id, line_id)`,
    [facts.map((f) => f.data.sku), facts.map((f) => f.data.orderId), facts.map((f) => f.data.lineId)],
  );
  const lines = new Map<string, OpenLine>(loaded.rows.map((row) => [lineKeyOf(row.sku, row.order_id, row.line_id), { allocated: row.allocated, waiting: row.waiting }]));
  const named = new Map<string, { sku: string; orderId: string; lineId: string }>();
  for (const fact of facts) {
    const key = lineKeyOf(fact.data.sku, fact.data.orderId, fact.data.lineId);
    lines.set(key, openLineAfter(lines.get(key) ?? CLOSED_LINE, fact));
    named.set(key, { sku: fact.data.sku, orderId: fact.data.orderId, lineId: fact.data.lineId });
  }
  const rows: OpenLineRow[] = [...named].map(([key, line]) => ({ ...line, ...lines.get(key)! }));
  const open = rows.filter((row) => !isClosed(row));
  const closed = rows.filter((row) => isClosed(row));
  if (open.length > 0) await upsertOpenLines(tx, open, suffix);
  if (closed.length > 0) {
    await tx.query(
      `DELETE FROM ${table('open_order_lines', suffix)} l USING unnest($1::text[], $2::text[], $3::text[]) AS k(sku, order_id, line_id)
       WHERE l.sku = k.sku AND l.order_id = k.order_id AND l.line_id = k.line_id`,
      [closed.map((r) => r.sku), closed.map((r) => r.orderId), closed.map((r) => r.lineId)],
    );
  }
  const before = new Map(loaded.rows.map((row) => [lineKeyOf(row.sku, row.order_id, row.line_id), row.waiting]));
  await addBackordered(tx, rows.map((row) => ({ sku: row.sku, units: row.waiting - (before.get(lineKeyOf(row.sku, row.orderId, row.lineId)) ?? 0) })), suffix);
}

/** Moves each SKU's total of waiting units (`sku_planning.backordered`) by what its lines moved. */
async function addBackordered(tx: Queryable, moves: readonly { sku: string; units: number }[], suffix: string): Promise<void> {
  const bySku = new Map<string, number>();
  for (const { sku, units } of moves) bySku.set(sku, (bySku.get(sku) ?? 0) + units);
  const changed = [...bySku].filter(([, units]) => units !== 0);
  if (changed.length === 0) return;
  // Existing rows first: an INSERT ... ON CONFLICT proposes a row that must pass the CHECK, and a
  // move down is negative. A SKU without a row had nothing waiting, so its move is not negative; the
  // batch holds its SKUs' locks, and ON CONFLICT covers a writer that holds none.
  await tx.query(
    `WITH moves AS (SELECT * FROM unnest($1::text[], $2::bigint[]) AS m(sku, units)),
     moved AS (
       UPDATE ${table('sku_planning', suffix)} p SET backordered = p.backordered + moves.units FROM moves WHERE p.sku = moves.sku RETURNING p.sku
     )
     INSERT INTO ${table('sku_planning', suffix)} AS p (sku, discontinued, backordered)
     SELECT sku, false, units FROM moves WHERE sku NOT IN (SELECT sku FROM moved)
     ON CONFLICT (sku) DO UPDATE SET backordered = p.backordered + EXCLUDED.backordered`,
    [changed.map(([sku]) => sku), changed.map(([, units]) => units)],
  );
}

/**
 * Adds the accepted units to their SKU's day of acceptance, then forgets the days more than
 * DEMAND_HISTORY_DAYS behind the SKU's latest day with demand. That cut depends only on the demand
 * recorded, never on how it was batched, so a replay keeps exactly the same days.
 */
async function projectDemand(tx: Queryable, facts: readonly OrderLineFact[], suffix: string): Promise<void> {
  const units = new Map<string, { sku: string; day: number; units: number }>();
  for (const fact of facts) {
    const demand = acceptedDemandOf(fact);
    if (demand === null) continue;
    const day = epochDay(demand.acceptedAt);
    const key = `${fact.data.sku}\n${day}`;
    units.set(key, { sku: fact.data.sku, day, units: (units.get(key)?.units ?? 0) + demand.units });
  }
  if (units.size === 0) return;
  const rows = [...units.values()];
  await tx.query(
    `INSERT INTO ${table('sku_demand', suffix)} (sku, day, units)
     SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[])
     ON CONFLICT (sku, day) DO UPDATE SET units = ${table('sku_demand', suffix)}.units + EXCLUDED.units`,
    [rows.map((r) => r.sku), rows.map((r) => r.day), rows.map((r) => r.units)],
  );
  await tx.query(
    `DELETE FROM ${table('sku_demand', suffix)} d
     USING (SELECT sku, max(day) AS latest FROM ${table('sku_demand', suffix)} WHERE sku = ANY($1::text[]) GROUP BY sku) m
     WHERE d.sku = m.sku AND d.day <= m.latest - $2::int`,
    [[...new Set(rows.map((r) => r.sku))], DEMAND_HISTORY_DAYS],
  );
}

function isOrderLineFact(fact: PlanningFact): fact is OrderLineFact {
  return (ORDER_LINE_FACT_TYPES as readonly string[]).includes(fact.type);
}

/**
 * Applies planning facts, in order, to `sku_planning`, `open_order_lines` and `sku_demand` with
 * that suffix ('' live, `_rebuild` during a replay).
 */
export async function projectPlanningFacts(tx: Queryable, facts: readonly PlanningFact[], suffix = ''): Promise<void> {
  const lineFacts = facts.filter(isOrderLineFact);
  await projectSkuPlanning(tx, facts.filter((fact): fact is ProductFact | SupplierFact => !isOrderLineFact(fact)), suffix);
  await projectOpenLines(tx, lineFacts, suffix);
  await projectDemand(tx, lineFacts, suffix);
}

/**
 * Records the batch's catalog and order-line facts on their SKUs' planning streams and applies
 * them, in the consumer's transaction. Other types on those topics say nothing about planning.
 */
export async function recordPlanningFacts(tx: Queryable, inputs: readonly ConsumedInput[]): Promise<void> {
  const recorded = inputs.filter((input) => RECORDED_TYPES.has(input.event.type));
  const facts = recorded.map((input) => ({ type: input.event.type, data: input.event.data }) as PlanningFact);
  await appendFacts(
    tx,
    PLANNING_STREAM_PREFIX,
    recorded.map((input, index) => ({
      sku: facts[index]!.data.sku,
      event: { id: deterministicId(input.event.id, PLANNING_FACT_RECORDED), type: PLANNING_FACT_RECORDED, data: { fact: facts[index] }, metadata: { causationId: input.event.id, now: input.event.time } },
    })),
  );
  await projectPlanningFacts(tx, facts);
}

/** The supplier of each purchase-order line placed in a batch of supply events, already recorded on the pipeline stream. */
export function supplierFactsOf(inputs: readonly ConsumedInput[]): SupplierFact[] {
  return inputs
    .map((input) => input.event as SupplyEvent)
    .filter((event): event is SupplyExpected => event.type === SUPPLY_EXPECTED)
    .map((event) => ({ type: 'SupplyExpected', data: { sku: event.data.sku, supplierId: event.data.supplierId } }));
}

/** The planning facts among stored events, in their order: recorded catalog and line facts, and the suppliers of the pipeline's lines. */
export function recordedPlanningFacts(events: readonly StoredEvent[]): PlanningFact[] {
  const planning = new Set(eventsOfStreams(events, PLANNING_STREAM_PREFIX, PLANNING_FACT_RECORDED));
  return events.flatMap((stored): PlanningFact[] => {
    if (planning.has(stored)) return [(stored.data as { fact: PlanningFact }).fact];
    if (!stored.streamId.startsWith(PIPELINE_STREAM_PREFIX)) return [];
    return recordedSupplyFacts([stored]).flatMap((fact): PlanningFact[] =>
      fact.type === 'SupplyExpected' ? [{ type: 'SupplyExpected', data: { sku: fact.data.sku, supplierId: fact.data.supplierId } }] : [],
    );
  });
}
