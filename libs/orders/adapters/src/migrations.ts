import { MigrationInterface, QueryRunner } from 'typeorm';
import { CreateOperatorTables1764100000000, EVENT_STORE_MIGRATIONS, MigrationClass } from '@restock/event-store';

export class CreateOrdersReadModel1764000000300 implements MigrationInterface {
  name = 'CreateOrdersReadModel1764000000300';

  async up(runner: QueryRunner): Promise<void> {
    // placed_at keeps the text the order arrived with: a repeated POST is compared against it.
    await runner.query(`
      CREATE TABLE orders (
        order_id text PRIMARY KEY,
        customer_id text NOT NULL,
        placed_at text NOT NULL,
        status text NOT NULL,
        version integer NOT NULL
      )`);
    await runner.query(`
      CREATE TABLE order_lines (
        order_id text NOT NULL,
        line_id text NOT NULL,
        position integer NOT NULL,
        sku text NOT NULL,
        quantity integer NOT NULL,
        allocated_quantity integer NOT NULL,
        backordered_quantity integer NOT NULL,
        rejected_quantity integer NOT NULL,
        shipped_quantity integer NOT NULL,
        cancelled_quantity integer NOT NULL,
        eta text,
        eta_confidence text,
        PRIMARY KEY (order_id, line_id)
      )`);
    await runner.query(`
      CREATE TABLE order_updates (
        order_id text NOT NULL,
        sequence integer NOT NULL,
        update jsonb NOT NULL,
        PRIMARY KEY (order_id, sequence)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['order_updates', 'order_lines', 'orders']) await runner.query(`DROP TABLE ${table}`);
  }
}

/**
 * Customer updates kept for an order's history as `json`, not `jsonb`: each is written whole, once,
 * and read whole by `GET /orders/{orderId}`, never searched inside. `jsonb` parsed every update a
 * second time into its binary form, for about one update per order line (docs/benchmarks.md, sixth pass).
 */
export class OrderUpdatesAsJson1765100000300 implements MigrationInterface {
  name = 'OrderUpdatesAsJson1765100000300';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE order_updates ALTER COLUMN update TYPE json USING update::json');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE order_updates ALTER COLUMN update TYPE jsonb USING update::jsonb');
  }
}

export const ORDERS_MIGRATIONS: readonly MigrationClass[] = [
  ...EVENT_STORE_MIGRATIONS,
  CreateOrdersReadModel1764000000300,
  CreateOperatorTables1764100000000,
  OrderUpdatesAsJson1765100000300,
];
