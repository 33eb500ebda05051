import { TOPICS } from '@restock/contracts';
import { createTablesLike, Projection, tableChecksumSql } from '@restock/event-store';
import { ServiceOperations } from '@restock/platform';
import { projectPlanningFacts, recordedPlanningFacts } from './planning-facts';
import { projectReplenishmentEvents } from './replenishment-planning';
import { projectSkuLedgerChanges, recordedSkuLedgerChanges } from './sku-ledger-projection';
import { projectStockEvents } from './stock-batch';
import { projectSupplyEvents, recordedSupplyFacts } from './supply-pipeline-projection';

const WAREHOUSE_STOCK_COLUMNS = ['sku', 'warehouse_id', 'on_hand'] as const;
const STOCK_FACT_COLUMNS = ['sku', 'fact_key', 'fingerprint'] as const;
const SUPPLY_PIPELINE_COLUMNS = ['sku', 'purchase_order_id', 'remaining_quantity', 'expected_at', 'status'] as const;
const SKU_LEDGER_COLUMNS = ['sku', 'allocated', 'queue_depth', 'backordered_quantity', 'oldest_backorder_accepted_at', 'changed_at'] as const;
const SKU_PLANNING_COLUMNS = ['sku', 'lead_time_days', 'discontinued', 'last_supplier_id'] as const;
const SKU_DEMAND_COLUMNS = ['sku', 'day', 'units'] as const;
const REPLENISHMENT_COLUMNS = ['sku', 'status', 'reorder_point', 'safety_stock'] as const;

const COLUMNS: Readonly<Record<string, readonly string[]>> = {
  warehouse_stock: WAREHOUSE_STOCK_COLUMNS,
  stock_facts: STOCK_FACT_COLUMNS,
  supply_pipeline: SUPPLY_PIPELINE_COLUMNS,
  sku_ledger: SKU_LEDGER_COLUMNS,
  sku_planning: SKU_PLANNING_COLUMNS,
  sku_demand: SKU_DEMAND_COLUMNS,
  replenishment: REPLENISHMENT_COLUMNS,
};

function checksumSql(table: string, suffix: string): string {
  const columns = COLUMNS[table];
  if (!columns) throw new Error(`inventory has no read model ${table}`);
  return tableChecksumSql(table + suffix, columns);
}

/**
 * `warehouse_stock` (on hand per SKU and warehouse) and `stock_facts` (the warehouse facts already
 * recorded, which the decider reads to recognise a repeated fact), from the `sku-stock:` streams.
 */
export const STOCK_PROJECTION: Projection = {
  name: 'stock',
  service: 'inventory',
  tables: ['warehouse_stock', 'stock_facts'],
  createShadow: (tx, suffix) => createTablesLike(tx, ['warehouse_stock', 'stock_facts'], suffix),
  apply: (tx, events, suffix) => projectStockEvents(tx, events, suffix),
  checksumSql,
};

/** `supply_pipeline`: the open purchase-order lines per SKU, from the supply facts on the `sku-pipeline:` streams. */
export const SUPPLY_PIPELINE_PROJECTION: Projection = {
  name: 'supply_pipeline',
  service: 'inventory',
  tables: ['supply_pipeline'],
  createShadow: (tx, suffix) => createTablesLike(tx, ['supply_pipeline'], suffix),
  apply: (tx, events, suffix) => projectSupplyEvents(tx, recordedSupplyFacts(events), `supply_pipeline${suffix}`),
  checksumSql,
};

/** `sku_ledger`: the saga's latest allocated units, queue depth and waiting units per SKU, from the `sku-ledger:` streams. */
export const SKU_LEDGER_PROJECTION: Projection = {
  name: 'sku_ledger',
  service: 'inventory',
  tables: ['sku_ledger'],
  createShadow: (tx, suffix) => createTablesLike(tx, ['sku_ledger'], suffix),
  apply: (tx, events, suffix) => projectSkuLedgerChanges(tx, recordedSkuLedgerChanges(events), `sku_ledger${suffix}`),
  checksumSql,
};

const PLANNING_TABLES = ['sku_planning', 'sku_demand'];

/**
 * `sku_planning` (lead time, discontinued, last supplier) and `sku_demand` (accepted units per day),
 * from the catalog facts on the `sku-planning:` streams, the suppliers of the supply facts on the
 * `sku-pipeline:` streams and the demand of the saga's ledger changes on the `sku-ledger:` streams.
 */
export const PLANNING_PROJECTION: Projection = {
  name: 'replenishment_planning',
  service: 'inventory',
  tables: PLANNING_TABLES,
  createShadow: (tx, suffix) => createTablesLike(tx, PLANNING_TABLES, suffix),
  apply: (tx, events, suffix) => projectPlanningFacts(tx, recordedPlanningFacts(events), suffix),
  checksumSql,
};

/**
 * `replenishment` (whether a suggestion is outstanding, the reorder point and safety stock), from the
 * review decisions on the `sku-replenishment:` streams. The decisions are replayed, not re-taken:
 * a review reads the position at the end of the batch that caused it, which only its events keep.
 */
export const REPLENISHMENT_PROJECTION: Projection = {
  name: 'replenishment',
  service: 'inventory',
  tables: ['replenishment'],
  createShadow: (tx, suffix) => createTablesLike(tx, ['replenishment'], suffix),
  apply: (tx, events, suffix) => projectReplenishmentEvents(tx, events, suffix),
  checksumSql,
};

/**
 * Every inventory table is a projection of the service's own event store: the warehouse's facts
 * are decided into stock events, the supply, ledger and catalog facts of the other services
 * are recorded as events on the SKU's pipeline, ledger and planning streams in the transaction that
 * applies them, and replenishment decisions are recorded on the SKU's replenishment stream.
 */
export const INVENTORY_OPERATIONS: ServiceOperations = {
  service: 'inventory',
  projections: [STOCK_PROJECTION, SUPPLY_PIPELINE_PROJECTION, SKU_LEDGER_PROJECTION, PLANNING_PROJECTION, REPLENISHMENT_PROJECTION],
  consumedTopics: [TOPICS.warehouseEvents, TOPICS.supplyEvents, TOPICS.fulfillmentLedger, TOPICS.catalogEvents],
};
