import { Pool, PoolClient, QueryResultRow } from 'pg';
import { isStalePreparedStatement } from './errors';

/** The narrow query surface every store, projection and handler uses, in or out of a transaction. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(sql: string | PreparedQuery, params?: readonly unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** A statement of fixed text that every connection prepares once (see prepared). */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
}

/** A run of a prepared statement (runPrepared): pg prepares it on a connection the first time, under its name. */
export interface PreparedQuery extends PreparedStatement {
  readonly values: unknown[];
}

const preparedTexts = new Map<string, string>();

/**
 * A statement run many times a second with the same text: each connection parses, analyses and
 * plans it once, on first use, and from then on only binds and executes it (PostgreSQL plans it
 * again by itself when a table it uses changes or the search path moves). The stream and input
 * claims every service's batches run took 0.84–0.86× the PostgreSQL CPU prepared that they took
 * sent as text (bench/micro/prepared-statements.ts; docs/benchmarks.md, fourteenth and fifteenth passes). Only for
 * fixed text: a name stands for one text in the whole process, and a text built per call (a VALUES
 * list of as many rows as the batch) would prepare a statement per shape on every connection.
 * Connections must be PostgreSQL's own, not a pooler's in transaction mode (which would hand a
 * prepared statement's name to a session that never prepared it).
 */
export function prepared(name: string, text: string): PreparedStatement {
  const known = preparedTexts.get(name);
  if (known !== undefined && known !== text) throw new Error(`prepared statement ${name} is defined twice with different text`);
  preparedTexts.set(name, text);
  return { name, text };
}

/** Runs a prepared statement (a fresh query object per call: pg keeps the values on the one it is given). */
export function runPrepared<R extends QueryResultRow = QueryResultRow>(q: Queryable, statement: PreparedStatement, values: unknown[]) {
  return q.query<R>({ name: statement.name, text: statement.text, values });
}

export interface TransactionOptions {
  /**
   * Keys to serialize on before the transaction writes anything, among writers of the same schema. Writers of one stream take its key
   * first, so a later writer gets its transaction id only after the earlier one committed: the
   * outbox relay orders by transaction id, and this keeps that order equal to stream order.
   */
  readonly lockKeys?: readonly string[];
}

export const POOL_SIZE_MAX = 10;
export const STATEMENT_TIMEOUT_MS = 30_000;
export const IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;
/**
 * The planner's cost of a page read out of order, for this pool's sessions. PostgreSQL's default
 * (4) prices a random read as a disk seek. Services look up a batch's rows by key in tables that
 * live in memory; at the default the planner answered a batch's few hundred keys with a sequential
 * scan and a hash of the whole table (inventory's open lines: 35 ms, growing with the table,
 * against 6 ms by index at 1.1; docs/benchmarks.md, fifth pass).
 */
export const RANDOM_PAGE_COST = 1.1;
export const CONNECTION_TIMEOUT_MS = 5_000;

const SCHEMA_NAME = /^[a-z][a-z0-9_]{0,62}$/;

export function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name: ${JSON.stringify(schema)}`);
}

const LOCK_KEYS = prepared(
  'restock_lock_keys',
  `SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended($2 || '/' || key, 0) AS k FROM unnest($1::text[]) key ORDER BY 1) keys`,
);

/** A PostgreSQL connection pool bound to one service's schema. */
export class Database implements Queryable {
  readonly pool: Pool;

  /**
   * `role`: the role to act as after connecting (SET ROLE), when the login user is the migrating
   * owner; null when `url` already logs in as the runtime role.
   */
  constructor(
    readonly url: string,
    readonly schema: string,
    poolSizeMax = POOL_SIZE_MAX,
    readonly role: string | null = null,
  ) {
    assertSchemaName(schema);
    this.pool = new Pool({
      connectionString: url,
      max: poolSizeMax,
      connectionTimeoutMillis: CONNECTION_TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
      statement_timeout: STATEMENT_TIMEOUT_MS,
      idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
      options: [`-c search_path=${schema}`, `-c random_page_cost=${RANDOM_PAGE_COST}`, ...(role ? [`-c role=${role}`] : [])].join(' '),
      application_name: `restock-${schema}`,
    });
    // An idle client that loses its server (a PostgreSQL restart) must not crash the process.
    this.pool.on('error', () => undefined);
  }

  /** A statement on a connection of the pool; one whose prepared statements went stale is let go (isStalePreparedStatement). */
  async query<R extends QueryResultRow = QueryResultRow>(sql: string | PreparedQuery, params?: readonly unknown[]) {
    const client = await this.pool.connect();
    let broken = false;
    try {
      return typeof sql === 'string' ? await client.query<R>(sql, params as unknown[]) : await client.query<R>(sql);
    } catch (error) {
      broken = isStalePreparedStatement(error);
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async transaction<T>(work: (tx: PoolClient) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      if (options.lockKeys && options.lockKeys.length > 0) {
        // Keys are taken in the schema's name: services sharing a database lock the same SKU or
        // order id for their own writes only, and must not queue behind one another.
        await runPrepared(client, LOCK_KEYS, [options.lockKeys, this.schema]);
      }
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      // The connection would answer the same statement the same way every time: the next try gets another.
      if (isStalePreparedStatement(error)) broken = true;
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async isReachable(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
