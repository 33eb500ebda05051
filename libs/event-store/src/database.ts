import { Pool, PoolClient, QueryResultRow } from 'pg';

/** The narrow query surface every store, projection and handler uses, in or out of a transaction. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(sql: string, params?: readonly unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
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

  query<R extends QueryResultRow = QueryResultRow>(sql: string, params?: readonly unknown[]) {
    return this.pool.query<R>(sql, params as unknown[]);
  }

  async transaction<T>(work: (tx: PoolClient) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      if (options.lockKeys && options.lockKeys.length > 0) {
        // Keys are taken in the schema's name: services sharing a database lock the same SKU or
        // order id for their own writes only, and must not queue behind one another.
        await client.query(
          `SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended($2 || '/' || key, 0) AS k FROM unnest($1::text[]) key ORDER BY 1) keys`,
          [options.lockKeys, this.schema],
        );
      }
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
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
