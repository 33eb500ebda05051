import { MigrationInterface, QueryRunner } from 'typeorm';
import { CreateOperatorTables1764100000000, EVENT_STORE_MIGRATIONS, MigrationClass } from '@restock/event-store';

export class CreateStockReadModels1764000000200 implements MigrationInterface {
  name = 'CreateStockReadModels1764000000200';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE warehouse_stock (
        sku text NOT NULL,
        warehouse_id text NOT NULL,
        on_hand bigint NOT NULL,
        PRIMARY KEY (sku, warehouse_id)
      )`);
    // The warehouse facts already recorded, so a fact reported again under another id moves nothing.
    await runner.query(`
      CREATE TABLE stock_facts (
        sku text NOT NULL,
        fact_key text NOT NULL,
        fingerprint text NOT NULL,
        PRIMARY KEY (sku, fact_key)
      )`);
    await runner.query(`
      CREATE TABLE supply_pipeline (
        sku text NOT NULL,
        purchase_order_id text NOT NULL,
        remaining_quantity integer NOT NULL CHECK (remaining_quantity >= 0),
        expected_at text NOT NULL,
        status text NOT NULL,
        PRIMARY KEY (sku, purchase_order_id)
      )`);
    await runner.query(`
      CREATE TABLE sku_ledger (
        sku text PRIMARY KEY,
        allocated bigint NOT NULL,
        queue_depth integer NOT NULL,
        oldest_backorder_accepted_at text,
        changed_at timestamptz NOT NULL
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['sku_ledger', 'supply_pipeline', 'stock_facts', 'warehouse_stock']) await runner.query(`DROP TABLE ${table}`);
  }
}

// Lines with units still allocated or waiting; a closed line is deleted. Created by the planning
// migration, dropped since inventory plans from the saga's ledger, created again by that drop's down.
const CREATE_OPEN_ORDER_LINES = `
  CREATE TABLE open_order_lines (
    sku text NOT NULL,
    order_id text NOT NULL,
    line_id text NOT NULL,
    allocated integer NOT NULL CHECK (allocated >= 0),
    waiting integer NOT NULL CHECK (waiting >= 0),
    PRIMARY KEY (sku, order_id, line_id)
  )`;

/**
 * Replenishment planning: what it reads of other services (lead time, discontinuation, the last
 * supplier, accepted demand per day, the open order lines' units) and what it decided per SKU.
 */
export class CreateReplenishmentPlanning1764300000200 implements MigrationInterface {
  name = 'CreateReplenishmentPlanning1764300000200';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE sku_planning (
        sku text PRIMARY KEY,
        lead_time_days integer,
        discontinued boolean NOT NULL,
        last_supplier_id text
      )`);
    // Accepted units per UTC day (days since the epoch); only recent days are kept.
    await runner.query(`
      CREATE TABLE sku_demand (
        sku text NOT NULL,
        day integer NOT NULL,
        units bigint NOT NULL CHECK (units > 0),
        PRIMARY KEY (sku, day)
      )`);
    await runner.query(CREATE_OPEN_ORDER_LINES);
    await runner.query(`
      CREATE TABLE replenishment (
        sku text PRIMARY KEY,
        status text NOT NULL,
        reorder_point integer,
        safety_stock integer
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['replenishment', 'open_order_lines', 'sku_demand', 'sku_planning']) await runner.query(`DROP TABLE ${table}`);
  }
}

/**
 * The units waiting on a SKU's open lines, kept beside its planning inputs. Every review summed
 * them from `open_order_lines`, a row per open line: the largest statement of a pipeline run.
 * SKUs named only by line facts get a row too (no lead time, not discontinued, as if absent).
 */
export class SkuPlanningBackordered1764800000000 implements MigrationInterface {
  name = 'SkuPlanningBackordered1764800000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE sku_planning ADD COLUMN backordered bigint NOT NULL DEFAULT 0 CHECK (backordered >= 0)');
    await runner.query(`
      INSERT INTO sku_planning (sku, discontinued, backordered)
      SELECT sku, false, sum(waiting) FROM open_order_lines GROUP BY sku HAVING sum(waiting) > 0
      ON CONFLICT (sku) DO UPDATE SET backordered = EXCLUDED.backordered`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE sku_planning DROP COLUMN backordered');
  }
}

/**
 * The saga's ledger changes carry the units waiting and the demand accepted, so inventory no longer
 * follows order lines one by one. `sku_planning.backordered` keeps its figure until the SKU's next
 * ledger change sets it.
 */
export class DropOpenOrderLines1764900000000 implements MigrationInterface {
  name = 'DropOpenOrderLines1764900000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE open_order_lines');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(CREATE_OPEN_ORDER_LINES);
  }
}

/**
 * The saga's waiting units sit beside its allocated units in `sku_ledger`, written by the same
 * statement from the same ledger change; `sku_planning.backordered` was a second write of them.
 */
export class LedgerBackorderedQuantity1765000000000 implements MigrationInterface {
  name = 'LedgerBackorderedQuantity1765000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE sku_ledger ADD COLUMN backordered_quantity bigint NOT NULL DEFAULT 0 CHECK (backordered_quantity >= 0)');
    await runner.query('UPDATE sku_ledger l SET backordered_quantity = p.backordered FROM sku_planning p WHERE p.sku = l.sku');
    await runner.query('ALTER TABLE sku_planning DROP COLUMN backordered');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE sku_planning ADD COLUMN backordered bigint NOT NULL DEFAULT 0 CHECK (backordered >= 0)');
    await runner.query('UPDATE sku_planning p SET backordered = l.backordered_quantity FROM sku_ledger l WHERE l.sku = p.sku');
    await runner.query('ALTER TABLE sku_ledger DROP COLUMN backordered_quantity');
  }
}

export const INVENTORY_MIGRATIONS: readonly MigrationClass[] = [
  ...EVENT_STORE_MIGRATIONS,
  CreateStockReadModels1764000000200,
  CreateOperatorTables1764100000000,
  CreateReplenishmentPlanning1764300000200,
  SkuPlanningBackordered1764800000000,
  DropOpenOrderLines1764900000000,
  LedgerBackorderedQuantity1765000000000,
];
