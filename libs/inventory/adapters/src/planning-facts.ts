import { AcceptedDemandData, deterministicId, PRODUCT_DEFINED, PRODUCT_DISCONTINUED, SKU_LEDGER_CHANGED, SUPPLY_EXPECTED, SupplyEvent, SupplyExpected } from '@restock/contracts';
import { assertIdentifier, Queryable, StoredEvent } from '@restock/event-store';
import { ConsumedInput } from '@restock/messaging';
import { DEMAND_HISTORY_DAYS, epochDay } from '@restock/inventory-domain';
import { appendFacts, eventsOfStreams } from './recorded-facts';
import { LEDGER_STREAM_PREFIX, SKU_LEDGER_CHANGE_RECORDED, SkuLedgerFigures } from './sku-ledger-projection';
import { PIPELINE_STREAM_PREFIX, recordedSupplyFacts } from './supply-pipeline-projection';

/**
 * What replenishment planning reads of the other services: the catalog's lead time and
 * discontinuation, the supplier of the latest purchase-order line, and from the saga's ledger
 * changes the demand accepted per day. Catalog facts are recorded on the
 * SKU's planning stream before they move the tables; the supplier comes from the supply facts on
 * the pipeline stream, the ledger changes from the ledger stream, both recorded already.
 */
export const PLANNING_STREAM_PREFIX = 'sku-planning:';
export const PLANNING_FACT_RECORDED = 'PlanningFactRecorded';

export type ProductFact =
  | { readonly type: 'ProductDefined'; readonly data: { readonly sku: string; readonly leadTimeDays: number | null } }
  | { readonly type: 'ProductDiscontinued'; readonly data: { readonly sku: string } };
export type SupplierFact = { readonly type: 'SupplyExpected'; readonly data: { readonly sku: string; readonly supplierId: string } };
/**
 * What planning takes of a saga ledger change: the demand it accepted (its waiting units go to
 * `sku_ledger` with the rest of its figures). Absent from changes recorded before the ledger carried it.
 */
export type LedgerPlanningFact = {
  readonly type: typeof SKU_LEDGER_CHANGED;
  readonly data: { readonly sku: string; readonly accepted?: readonly AcceptedDemandData[] };
};
export type PlanningFact = ProductFact | SupplierFact | LedgerPlanningFact;

const RECORDED_TYPES: ReadonlySet<string> = new Set<string>([PRODUCT_DEFINED, PRODUCT_DISCONTINUED]);

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

/**
 * Adds the accepted units to their SKU's day of acceptance, then forgets the days more than
 * DEMAND_HISTORY_DAYS behind the SKU's latest day with demand. That cut depends only on the demand
 * recorded, never on how it was batched, so a replay keeps exactly the same days.
 */
async function projectDemand(tx: Queryable, facts: readonly LedgerPlanningFact[], suffix: string): Promise<void> {
  const units = new Map<string, { sku: string; day: number; units: number }>();
  for (const fact of facts) {
    for (const { day: date, quantity } of fact.data.accepted ?? []) {
      const day = epochDay(date);
      const key = `${fact.data.sku}\n${day}`;
      units.set(key, { sku: fact.data.sku, day, units: (units.get(key)?.units ?? 0) + quantity });
    }
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

function isLedgerFact(fact: PlanningFact): fact is LedgerPlanningFact {
  return fact.type === SKU_LEDGER_CHANGED;
}

/**
 * Applies planning facts, in order, to `sku_planning` and `sku_demand` with that suffix ('' live,
 * `_rebuild` during a replay).
 */
export async function projectPlanningFacts(tx: Queryable, facts: readonly PlanningFact[], suffix = ''): Promise<void> {
  const ledgerFacts = facts.filter(isLedgerFact);
  await projectSkuPlanning(tx, facts.filter((fact): fact is ProductFact | SupplierFact => !isLedgerFact(fact)), suffix);
  await projectDemand(tx, ledgerFacts, suffix);
}

/** What planning takes of the saga's ledger changes: the demand accepted. */
export function ledgerPlanningFactsOf(changes: readonly SkuLedgerFigures[]): LedgerPlanningFact[] {
  return changes.map((change) => ({ type: SKU_LEDGER_CHANGED, data: { sku: change.sku, accepted: change.accepted } }));
}

/**
 * Records the batch's catalog facts on their SKUs' planning streams and applies them, in the
 * consumer's transaction. Other types on that topic say nothing about planning.
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

/**
 * The planning facts among stored events, in their order: recorded catalog facts, the suppliers of
 * the pipeline's lines and the saga's recorded ledger changes. Line facts recorded before the
 * ledger carried units (PlanningFactRecorded of LineDecided and the like) are passed over.
 */
export function recordedPlanningFacts(events: readonly StoredEvent[]): PlanningFact[] {
  const planning = new Set(eventsOfStreams(events, PLANNING_STREAM_PREFIX, PLANNING_FACT_RECORDED));
  const ledger = new Set(eventsOfStreams(events, LEDGER_STREAM_PREFIX, SKU_LEDGER_CHANGE_RECORDED));
  return events.flatMap((stored): PlanningFact[] => {
    if (planning.has(stored)) {
      const { fact } = stored.data as { fact: PlanningFact | { type: string } };
      return RECORDED_TYPES.has(fact.type) ? [fact as PlanningFact] : [];
    }
    if (ledger.has(stored)) return ledgerPlanningFactsOf([stored.data as SkuLedgerFigures]);
    if (!stored.streamId.startsWith(PIPELINE_STREAM_PREFIX)) return [];
    return recordedSupplyFacts([stored]).flatMap((fact): PlanningFact[] =>
      fact.type === 'SupplyExpected' ? [{ type: 'SupplyExpected', data: { sku: fact.data.sku, supplierId: fact.data.supplierId } }] : [],
    );
  });
}
