import { Queryable } from './database';
import { StoredEvent } from './event-store';

/**
 * A read model that can be rebuilt from the event store. `suffix` names a copy of its tables:
 * '' is the live read model, anything else a shadow being rebuilt next to it (`products_rebuild`).
 */
export interface Projection {
  /** Unique within its service; names the replay's checkpoint and lock. */
  readonly name: string;
  readonly service: string;
  /** The live tables the projection writes, in the service's schema. */
  readonly tables: readonly string[];
  /** Creates empty copies of the tables, same columns, constraints and indexes, named `<table><suffix>`. */
  createShadow(tx: Queryable, suffix: string): Promise<void>;
  /**
   * Applies committed events, in commit order, to the tables with that suffix. It ignores the events
   * of streams it does not project (the operator audit, other aggregates). Called again and again
   * with the next events, possibly by a new instance after a restart: state it keeps in memory
   * between calls may only be a cache of what the tables and the event store already hold.
   */
  apply(tx: Queryable, events: readonly StoredEvent[], suffix: string): Promise<void>;
  /** A query answering one row `{rows, digest}` for the table `<table><suffix>`: see tableChecksumSql. */
  checksumSql(table: string, suffix: string): string;
}

export interface TableChecksum {
  readonly rows: number;
  readonly digest: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export function assertIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`invalid SQL identifier: ${JSON.stringify(name)}`);
  return name;
}

/**
 * An order-independent digest of a table's rows over the given columns (leave out what is not
 * derived from events, such as `updated_at`). Each row's text is hashed and the hashes are summed,
 * so no sort and no giant string is needed however large the table is.
 */
export function tableChecksumSql(table: string, columns: readonly string[]): string {
  const row = `ROW(${columns.map(assertIdentifier).join(', ')})::text`;
  return `SELECT count(*)::int AS rows,
            md5(count(*)::text || ':' || coalesce(sum(('x' || substr(h, 1, 15))::bit(60)::bigint), 0)::text
                || ':' || coalesce(sum(('x' || substr(h, 16, 15))::bit(60)::bigint), 0)::text) AS digest
          FROM (SELECT md5(${row}) AS h FROM ${assertIdentifier(table)}) hashed`;
}

/**
 * Creates `<table><suffix>` like each table (columns, defaults, constraints, indexes) with the same
 * storage parameters, such as a fill factor, which LIKE does not copy: a swapped-in table must keep
 * them.
 */
export async function createTablesLike(tx: Queryable, tables: readonly string[], suffix: string): Promise<void> {
  for (const table of tables) {
    const shadow = assertIdentifier(table + suffix);
    await tx.query(`CREATE TABLE ${shadow} (LIKE ${assertIdentifier(table)} INCLUDING ALL)`);
    const { rows } = await tx.query<{ options: string[] | null }>('SELECT reloptions AS options FROM pg_class WHERE oid = $1::regclass', [table]);
    const options = rows[0]?.options ?? [];
    if (options.length > 0) await tx.query(`ALTER TABLE ${shadow} SET (${options.join(', ')})`);
  }
}
