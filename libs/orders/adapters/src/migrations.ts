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

/** The orders schema's tables whose rows are updated after they are written. */
const ORDERS_UPDATED_TABLES = ['orders', 'order_lines', 'streams'] as const;
const ORDERS_FILL_FACTOR = 80;

/**
 * Room on each page for the updates that follow an order's arrival. An order's row, its lines and
 * its stream head are written when it is placed and updated as the saga's facts come back, in
 * batches soon after, while their page is still full of the orders placed beside them: only
 * 42–51 % of those updates stayed on their page as heap-only tuples in the pipeline benchmark; the
 * rest moved and wrote a new primary-key entry. Pages written from now on keep a fifth free.
 */
export class OrdersFillFactor1765400000300 implements MigrationInterface {
  name = 'OrdersFillFactor1765400000300';

  async up(runner: QueryRunner): Promise<void> {
    for (const table of ORDERS_UPDATED_TABLES) await runner.query(`ALTER TABLE ${table} SET (fillfactor = ${ORDERS_FILL_FACTOR})`);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ORDERS_UPDATED_TABLES) await runner.query(`ALTER TABLE ${table} RESET (fillfactor)`);
  }
}

/**
 * The customer-update history is read from the order streams (findOrder): every update sent is in
 * the event that issued it, so the table repeated each one, about 730 bytes an order line written a
 * third time (event, outbox, history; docs/benchmarks.md, fourteenth pass). Down recreates the
 * table empty: code that reads it again needs `restock replay projections orders` to refill it.
 */
export class DropOrderUpdates1765500000300 implements MigrationInterface {
  name = 'DropOrderUpdates1765500000300';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE order_updates');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE order_updates (
        order_id text NOT NULL,
        sequence integer NOT NULL,
        update json NOT NULL,
        PRIMARY KEY (order_id, sequence)
      )`);
  }
}

export const ORDERS_MIGRATIONS: readonly MigrationClass[] = [
  ...EVENT_STORE_MIGRATIONS,
  CreateOrdersReadModel1764000000300,
  CreateOperatorTables1764100000000,
  OrderUpdatesAsJson1765100000300,
  OrdersFillFactor1765400000300,
  DropOrderUpdates1765500000300,
];
