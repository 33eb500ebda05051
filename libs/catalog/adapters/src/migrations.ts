import { MigrationInterface, QueryRunner } from 'typeorm';
import { CreateOperatorTables1764100000000, EVENT_STORE_MIGRATIONS, MigrationClass } from '@restock/event-store';

export class CreateProductsReadModel1764000000100 implements MigrationInterface {
  name = 'CreateProductsReadModel1764000000100';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE products (
        sku text PRIMARY KEY,
        name text NOT NULL,
        backorderable boolean NOT NULL,
        max_backorder_days integer NOT NULL,
        lead_time_days integer,
        on_limit_exceeded text NOT NULL,
        status text NOT NULL,
        defined_at timestamptz NOT NULL,
        discontinued_at timestamptz,
        version integer NOT NULL
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE products');
  }
}

export const CATALOG_MIGRATIONS: readonly MigrationClass[] = [
  ...EVENT_STORE_MIGRATIONS,
  CreateProductsReadModel1764000000100,
  CreateOperatorTables1764100000000,
];
