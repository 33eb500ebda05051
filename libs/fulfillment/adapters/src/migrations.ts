import { MigrationInterface, QueryRunner } from 'typeorm';
import { CreateOperatorTables1764100000000, EVENT_STORE_MIGRATIONS, MigrationClass } from '@restock/event-store';

export class CreateSkuSnapshots1764000000200 implements MigrationInterface {
  name = 'CreateSkuSnapshots1764000000200';

  async up(runner: QueryRunner): Promise<void> {
    // The state of a SKU as of a stream version, written in the transaction of that version's
    // events; loading a SKU is this snapshot plus the few events after it, never the whole stream.
    await runner.query(`
      CREATE TABLE sku_snapshots (
        sku text PRIMARY KEY,
        version integer NOT NULL,
        snapshot jsonb NOT NULL,
        taken_at timestamptz NOT NULL DEFAULT now()
      )`);
    // One row per SKU, for the periodic deadline tick and for operators: which SKUs have a queue.
    await runner.query(`
      CREATE TABLE sku_ledger (
        sku text PRIMARY KEY,
        version integer NOT NULL,
        on_hand integer NOT NULL,
        allocated integer NOT NULL,
        queue_depth integer NOT NULL,
        backordered_quantity integer NOT NULL,
        oldest_backorder_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query('CREATE INDEX sku_ledger_waiting ON sku_ledger (sku) WHERE queue_depth > 0');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE sku_ledger');
    await runner.query('DROP TABLE sku_snapshots');
  }
}

export class SnapshotsAsJson1764200000000 implements MigrationInterface {
  name = 'SnapshotsAsJson1764200000000';

  async up(runner: QueryRunner): Promise<void> {
    // A snapshot is written whole and read whole, never queried inside: json keeps the text as
    // sent, while jsonb parses a hot SKU's multi-megabyte document into its binary form on every
    // write (measured, 100,000 lines, 30 MB: about 0.6 s as json against 2 s or more as jsonb).
    await runner.query('ALTER TABLE sku_snapshots ALTER COLUMN snapshot TYPE json USING snapshot::json');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE sku_snapshots ALTER COLUMN snapshot TYPE jsonb USING snapshot::jsonb');
  }
}

/**
 * A snapshot's lines in parts of their own (`sku_snapshot_lines`, SNAPSHOT_LINES_PER_PART lines a
 * row) and the rest of it, the head, in `sku_snapshots.snapshot` with the number of lines beside it:
 * a SKU with 100,000 waiting lines was one 30 MB document, built as one string by the writer and
 * read as one by a cold load. Deleting a head deletes its parts. Existing snapshots keep their lines
 * as a single part.
 */
export class SnapshotLinesInParts1764500000200 implements MigrationInterface {
  name = 'SnapshotLinesInParts1764500000200';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE sku_snapshot_lines (
        sku text NOT NULL REFERENCES sku_snapshots (sku) ON DELETE CASCADE,
        part integer NOT NULL,
        lines json NOT NULL,
        PRIMARY KEY (sku, part)
      )`);
    await runner.query('ALTER TABLE sku_snapshots ADD COLUMN line_count integer NOT NULL DEFAULT 0');
    await runner.query(`
      INSERT INTO sku_snapshot_lines (sku, part, lines)
      SELECT sku, 0, snapshot->'lines' FROM sku_snapshots WHERE json_array_length(snapshot->'lines') > 0`);
    await runner.query(`UPDATE sku_snapshots SET line_count = COALESCE(json_array_length(snapshot->'lines'), 0), snapshot = (snapshot::jsonb - 'lines')::json`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      UPDATE sku_snapshots s SET snapshot = (s.snapshot::jsonb || jsonb_build_object('lines', COALESCE((
        SELECT jsonb_agg(line ORDER BY p.part, l.position)
        FROM sku_snapshot_lines p, jsonb_array_elements(p.lines::jsonb) WITH ORDINALITY AS l(line, position)
        WHERE p.sku = s.sku), '[]'::jsonb)))::json`);
    await runner.query('ALTER TABLE sku_snapshots DROP COLUMN line_count');
    await runner.query('DROP TABLE sku_snapshot_lines');
  }
}

/**
 * `sku_ledger` without its partial index of SKUs with a queue. The index named `queue_depth` in its
 * predicate, so every update that moved a queue (nearly all of them) had to write a new entry into
 * both indexes instead of staying on its page as a heap-only tuple: 11 % of the pipeline
 * benchmark's 26,000 ledger updates were HOT. Its one reader, the deadline tick, reads one row per
 * SKU once a tick, which a scan of the table does as well.
 */
export class SkuLedgerWithoutWaitingIndex1765400000200 implements MigrationInterface {
  name = 'SkuLedgerWithoutWaitingIndex1765400000200';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX sku_ledger_waiting');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('CREATE INDEX sku_ledger_waiting ON sku_ledger (sku) WHERE queue_depth > 0');
  }
}

export const FULFILLMENT_MIGRATIONS: readonly MigrationClass[] = [
  ...EVENT_STORE_MIGRATIONS,
  CreateSkuSnapshots1764000000200,
  CreateOperatorTables1764100000000,
  SnapshotsAsJson1764200000000,
  SnapshotLinesInParts1764500000200,
  SkuLedgerWithoutWaitingIndex1765400000200,
];
