import { Client } from 'pg';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { assertSchemaName } from './database';

const MIGRATION_LOCK_KEY = 'restock.migrations';

/**
 * The tables every service needs: its event store, its outbox, the inputs it has processed and
 * its projections' checkpoints. Part of EVENT_STORE_MIGRATIONS, which every service lists.
 */
export class CreateEventStore1764000000000 implements MigrationInterface {
  name = 'CreateEventStore1764000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE streams (
        stream_id text PRIMARY KEY,
        version integer NOT NULL CHECK (version >= 0)
      )`);
    await runner.query(`
      CREATE TABLE events (
        position bigserial PRIMARY KEY,
        transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        stream_id text NOT NULL,
        version integer NOT NULL,
        event_id text NOT NULL,
        type text NOT NULL,
        data jsonb NOT NULL,
        metadata jsonb NOT NULL DEFAULT '{}',
        recorded_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (stream_id, version)
      )`);
    await runner.query(`CREATE INDEX events_transaction_position ON events (transaction_id, position)`);
    await runner.query(`
      CREATE TABLE outbox (
        position bigserial PRIMARY KEY,
        transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        topic text NOT NULL,
        message_key text,
        value jsonb NOT NULL,
        headers jsonb NOT NULL DEFAULT '{}'
      )`);
    await runner.query(`CREATE INDEX outbox_transaction_position ON outbox (transaction_id, position)`);
    await runner.query(`
      CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('outbox_' || TG_TABLE_SCHEMA, '');
        RETURN NULL;
      END $$`);
    await runner.query(`
      CREATE TRIGGER outbox_inserted AFTER INSERT ON outbox
      FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()`);
    await runner.query(`
      CREATE TABLE outbox_checkpoint (
        relay text PRIMARY KEY,
        transaction_id xid8 NOT NULL,
        position bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE processed_inputs (
        consumer text NOT NULL,
        input_id text NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, input_id)
      )`);
    await runner.query(`
      CREATE TABLE projection_checkpoints (
        projection text PRIMARY KEY,
        transaction_id xid8 NOT NULL,
        position bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['projection_checkpoints', 'processed_inputs', 'outbox_checkpoint', 'outbox', 'events', 'streams']) {
      await runner.query(`DROP TABLE ${table}`);
    }
    await runner.query('DROP FUNCTION outbox_notify()');
  }
}

/**
 * What operators leave behind in a service: an audit row per action (the action is also an event
 * on the 'operator-audit' stream) and the dead letters already sent back to their topic, so a
 * letter is redriven once. Every service lists it after its own migrations.
 */
export class CreateOperatorTables1764100000000 implements MigrationInterface {
  name = 'CreateOperatorTables1764100000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE operator_audit (
        id text PRIMARY KEY,
        action text NOT NULL,
        target text NOT NULL,
        reason text NOT NULL,
        token_fingerprint text NOT NULL,
        outcome text NOT NULL,
        details jsonb NOT NULL DEFAULT '{}',
        recorded_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query('CREATE INDEX operator_audit_recorded ON operator_audit (recorded_at)');
    await runner.query(`
      CREATE TABLE dead_letter_redrives (
        dlq_topic text NOT NULL,
        dlq_partition integer NOT NULL,
        dlq_offset bigint NOT NULL,
        event_id text,
        redrive_count integer NOT NULL,
        redriven_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (dlq_topic, dlq_partition, dlq_offset)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE dead_letter_redrives');
    await runner.query('DROP TABLE operator_audit');
  }
}

/**
 * Event and outbox payloads as `json`, not `jsonb`. They are written whole and read whole, never
 * searched inside, and `jsonb` parses every payload a second time into its binary form on insert and
 * prints it back on every read: measured with 2,000-row inserts of order events, 60–72 µs a row as
 * jsonb against 18–20 µs as json, and the pipeline's five services insert about eight such rows per
 * order line. `json` also keeps the text as written, so the relay sends an outbox value as stored.
 * Part of EVENT_STORE_MIGRATIONS.
 */
export class PayloadsAsJson1764400000000 implements MigrationInterface {
  name = 'PayloadsAsJson1764400000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE events ALTER COLUMN data TYPE json USING data::json, ALTER COLUMN metadata TYPE json USING metadata::json');
    await runner.query("ALTER TABLE events ALTER COLUMN metadata SET DEFAULT '{}'::json");
    await runner.query('ALTER TABLE outbox ALTER COLUMN value TYPE json USING value::json, ALTER COLUMN headers TYPE json USING headers::json');
    await runner.query("ALTER TABLE outbox ALTER COLUMN headers SET DEFAULT '{}'::json");
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE outbox ALTER COLUMN value TYPE jsonb USING value::jsonb, ALTER COLUMN headers TYPE jsonb USING headers::jsonb');
    await runner.query('ALTER TABLE events ALTER COLUMN data TYPE jsonb USING data::jsonb, ALTER COLUMN metadata TYPE jsonb USING metadata::jsonb');
  }
}

/** One outbox message as the line OutboxRowPerStatement stores it: [topic, key, headers], a tab, the value. */
const OUTBOX_LINES = `
  outbox o
  CROSS JOIN LATERAL string_to_table(o.messages, E'\\n') WITH ORDINALITY AS l(line, ordinal)
  CROSS JOIN LATERAL (SELECT split_part(l.line, E'\\t', 1)::json AS envelope, substr(l.line, strpos(l.line, E'\\t') + 1) AS value) m`;

/**
 * The outbox holds one row per run of messages of a transaction (up to OUTBOX_ROW_MESSAGES_MAX
 * messages and OUTBOX_ROW_BYTES_MAX bytes) instead of one row per message: a line per message, the
 * values as the text enqueue serialized, never parsed by the database. Rows already in the outbox
 * become rows of one message. The view outbox_messages shows the messages one per row, for
 * operators and tests. Part of EVENT_STORE_MIGRATIONS; see docs/decisions.md, "Outbox rows".
 */
export class OutboxRowPerStatement1765100000000 implements MigrationInterface {
  name = 'OutboxRowPerStatement1765100000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE outbox ADD COLUMN message_count integer, ADD COLUMN bytes integer, ADD COLUMN messages text');
    await runner.query(`
      UPDATE outbox SET message_count = 1,
        bytes = octet_length(value::text) + COALESCE(octet_length(message_key), 0),
        messages = json_build_array(topic, message_key, headers)::text || E'\\t' || value::text`);
    await runner.query(`
      ALTER TABLE outbox DROP COLUMN topic, DROP COLUMN message_key, DROP COLUMN value, DROP COLUMN headers,
        ALTER COLUMN message_count SET NOT NULL, ALTER COLUMN bytes SET NOT NULL, ALTER COLUMN messages SET NOT NULL,
        ALTER COLUMN messages SET STORAGE EXTERNAL`);
    await runner.query(`
      CREATE VIEW outbox_messages AS
      SELECT o.transaction_id, o.position, l.ordinal, m.envelope->>0 AS topic, m.envelope->>1 AS message_key,
             m.value::json AS value, m.envelope->2 AS headers
      FROM ${OUTBOX_LINES}`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP VIEW outbox_messages');
    await runner.query("ALTER TABLE outbox ADD COLUMN topic text, ADD COLUMN message_key text, ADD COLUMN value json, ADD COLUMN headers json NOT NULL DEFAULT '{}'::json");
    await runner.query(`
      INSERT INTO outbox (transaction_id, topic, message_key, value, headers, message_count, bytes, messages)
      SELECT o.transaction_id, m.envelope->>0, m.envelope->>1, m.value::json, m.envelope->2, 1, 0, ''
      FROM ${OUTBOX_LINES}
      WHERE o.topic IS NULL
      ORDER BY o.transaction_id, o.position, l.ordinal`);
    await runner.query('DELETE FROM outbox WHERE topic IS NULL');
    await runner.query(`
      ALTER TABLE outbox DROP COLUMN message_count, DROP COLUMN bytes, DROP COLUMN messages,
        ALTER COLUMN topic SET NOT NULL, ALTER COLUMN value SET NOT NULL`);
  }
}

/**
 * Outbox rows are compressed with lz4 where the server has it. Uncompressed (`STORAGE EXTERNAL`),
 * every row went to TOAST whole: 800 rows of 120 messages wrote 50.3 MB of WAL; with lz4, 11.4 MB
 * and the same or less backend CPU for the inserts (0.19–0.21 s against 0.22–0.27 s), the reads and
 * deletes (docs/benchmarks.md, tenth pass). pglz took twice the insert CPU, so a server built without
 * lz4 keeps the rows uncompressed. Rows already written keep their form; both read the same.
 */
export class OutboxLz4Compression1765300000000 implements MigrationInterface {
  name = 'OutboxLz4Compression1765300000000';

  async up(runner: QueryRunner): Promise<void> {
    const [setting] = (await runner.query("SELECT 'lz4' = ANY(enumvals) AS lz4 FROM pg_settings WHERE name = 'default_toast_compression'")) as { lz4: boolean }[];
    if (!setting?.lz4) return;
    await runner.query('ALTER TABLE outbox ALTER COLUMN messages SET STORAGE EXTENDED, ALTER COLUMN messages SET COMPRESSION lz4');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE outbox ALTER COLUMN messages SET STORAGE EXTERNAL, ALTER COLUMN messages SET COMPRESSION DEFAULT');
  }
}

/**
 * Lets a service forget input ids no topic can deliver again (see pruneProcessedInputs and
 * docs/decisions.md): a BRIN index on processed_at, which rows are appended in the order of, costs
 * a few percent of an insert where a B-tree would add an index entry per input; and
 * summarize_processed_inputs(), run with the owner's rights, lets the runtime role bring the index
 * up to date before a prune where autovacuum does not run.
 */
export class ProcessedInputsRetention1765400000000 implements MigrationInterface {
  name = 'ProcessedInputsRetention1765400000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('CREATE INDEX processed_inputs_processed_at ON processed_inputs USING brin (processed_at)');
    await runner.query(`
      CREATE FUNCTION summarize_processed_inputs() RETURNS integer
      LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT
      AS $$ SELECT brin_summarize_new_values('processed_inputs_processed_at'::regclass) $$`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP FUNCTION summarize_processed_inputs()');
    await runner.query('DROP INDEX processed_inputs_processed_at');
  }
}

export type MigrationClass = new () => MigrationInterface;

/** The event store's own migrations; TypeORM runs a service's list in timestamp order. */
export const EVENT_STORE_MIGRATIONS: readonly MigrationClass[] = [
  CreateEventStore1764000000000,
  PayloadsAsJson1764400000000,
  OutboxRowPerStatement1765100000000,
  OutboxLz4Compression1765300000000,
  ProcessedInputsRetention1765400000000,
];

/** The role a service runs as: it may read and write its own schema, and only append events. */
export function runtimeRoleOf(schema: string): string {
  assertSchemaName(schema);
  return `restock_${schema}`;
}

/**
 * Gives the service's runtime role exactly what it needs: its own schema's tables, no DDL, and on
 * `events` only SELECT and INSERT, so an UPDATE or DELETE of history is refused by the database
 * itself. Migrations run as the role that owns the schema, never as the runtime role.
 */
async function grantRuntimeRole(client: Client, schema: string): Promise<void> {
  const role = runtimeRoleOf(schema);
  await client.query(`
    DO $$ BEGIN
      CREATE ROLE ${role} LOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END $$`);
  await client.query(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`);
  await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${role}`);
  await client.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${schema} TO ${role}`);
  await client.query(`REVOKE UPDATE, DELETE, TRUNCATE ON ${schema}.events FROM ${role}`);
  await client.query(`REVOKE ALL ON ${schema}.migrations FROM ${role}`);
}

/**
 * Creates the schema and runs the service's migrations with TypeORM. Two instances starting at
 * once serialize on an advisory lock, so each migration runs exactly once.
 */
export async function runMigrations(url: string, schema: string, migrations: readonly MigrationClass[]): Promise<string[]> {
  assertSchemaName(schema);
  const lock = new Client({ connectionString: url });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [MIGRATION_LOCK_KEY]);
    await lock.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    const dataSource = new DataSource({
      type: 'postgres',
      url,
      schema,
      migrations: [...migrations],
      migrationsTableName: 'migrations',
      migrationsTransactionMode: 'each',
      logging: false,
      extra: { options: `-c search_path=${schema}` },
    });
    await dataSource.initialize();
    try {
      const ran = await dataSource.runMigrations({ transaction: 'each' });
      await grantRuntimeRole(lock, schema);
      return ran.map((migration) => migration.name);
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await lock.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.end();
  }
}
