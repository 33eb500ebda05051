import { MigrationInterface, QueryRunner } from 'typeorm';
import { CreateOperatorTables1764100000000, EVENT_STORE_MIGRATIONS, MigrationClass } from '@restock/event-store';

// Timestamps are kept as the text that arrived, so a line rebuilt from these rows decides exactly
// as one rebuilt from its events (the decider compares them as instants).
export class CreatePurchaseOrderLines1764000000400 implements MigrationInterface {
  name = 'CreatePurchaseOrderLines1764000000400';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE purchase_order_lines (
        purchase_order_id text NOT NULL,
        sku text NOT NULL,
        supplier_id text NOT NULL,
        ordered_quantity integer NOT NULL,
        placed_expected_at text NOT NULL,
        expected_at text NOT NULL,
        received_quantity bigint NOT NULL,
        remaining_quantity integer NOT NULL CHECK (remaining_quantity >= 0),
        status text NOT NULL,
        placed_at text NOT NULL,
        cancelled_at text,
        PRIMARY KEY (purchase_order_id, sku)
      )`);
    await runner.query('CREATE INDEX purchase_order_lines_sku ON purchase_order_lines (sku)');
    await runner.query(`
      CREATE TABLE purchase_order_line_reschedules (
        event_id text PRIMARY KEY,
        sequence bigserial NOT NULL,
        purchase_order_id text NOT NULL,
        sku text NOT NULL,
        previous_expected_at text NOT NULL,
        expected_at text NOT NULL,
        reason text,
        rescheduled_at text NOT NULL
      )`);
    await runner.query('CREATE INDEX purchase_order_line_reschedules_line ON purchase_order_line_reschedules (purchase_order_id, sku, sequence)');
    await runner.query(`
      CREATE TABLE goods_receipts (
        sku text NOT NULL,
        receipt_id text NOT NULL,
        warehouse_id text NOT NULL,
        quantity integer NOT NULL,
        received_at text NOT NULL,
        purchase_order_id text,
        pipeline_reduction integer NOT NULL,
        unplanned boolean NOT NULL,
        PRIMARY KEY (sku, receipt_id)
      )`);
    await runner.query('CREATE INDEX goods_receipts_purchase_order ON goods_receipts (purchase_order_id)');
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['goods_receipts', 'purchase_order_line_reschedules', 'purchase_order_lines']) await runner.query(`DROP TABLE ${table}`);
  }
}

export const SUPPLIER_RECEIPTS_MIGRATIONS: readonly MigrationClass[] = [
  ...EVENT_STORE_MIGRATIONS,
  CreatePurchaseOrderLines1764000000400,
  CreateOperatorTables1764100000000,
];
