import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '@restock/testing';
import { Database } from './database';

const LINES = 60_000;
const BATCH_KEYS = 700;

// The shape of a batch's lookup of its rows by key (inventory's open lines, a consumer's order
// lines): a few hundred keys in arrays, joined to a table of many rows with that key as its primary key.
const LOOKUP = `EXPLAIN (FORMAT JSON)
  SELECT l.* FROM open_lines l
  JOIN unnest($1::text[], $2::text[]) AS k(sku, line_id) USING (sku, line_id)`;

interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly Plans?: readonly PlanNode[];
}

function scansOf(node: PlanNode): string[] {
  const own = node['Relation Name'] === 'open_lines' ? [node['Node Type']] : [];
  return [...own, ...(node.Plans ?? []).flatMap(scansOf)];
}

type Explained = { rows: { 'QUERY PLAN': { Plan: PlanNode }[] }[] };

async function lookupScans(explain: (sql: string, params: unknown[]) => Promise<Explained>, keys: readonly number[]): Promise<string[]> {
  const result = await explain(LOOKUP, [keys.map((key) => `SKU-${key % 997}`), keys.map((key) => `line-${key}`)]);
  return scansOf(result.rows[0]!['QUERY PLAN'][0]!.Plan);
}

describe("the planner on a service's sessions", () => {
  let database: TestDatabase;
  let db: Database;
  let plain: Client;

  beforeAll(async () => {
    database = await createTestDatabase('planner');
    plain = new Client({ connectionString: database.url, options: '-c search_path=store' });
    await plain.connect();
    await plain.query('CREATE SCHEMA store');
    await plain.query('CREATE TABLE open_lines (sku text NOT NULL, line_id text NOT NULL, allocated integer NOT NULL, waiting integer NOT NULL, PRIMARY KEY (sku, line_id))');
    await plain.query(`INSERT INTO open_lines SELECT 'SKU-' || (g % 997), 'line-' || g, 0, 1 FROM generate_series(1, ${LINES}) g`);
    // As on a server without autovacuum (this project's CI): never analyzed, estimates from the size.
    db = new Database(database.url, 'store');
  });

  afterAll(async () => {
    await plain?.end();
    await db?.close();
    await database?.drop();
  });

  const batch = Array.from({ length: BATCH_KEYS }, (_, index) => index * 83 + 1);

  it('looks a batch of keys up by index, not by scanning and hashing the whole table', async () => {
    expect(await lookupScans((sql, params) => db.query(sql, params), batch)).toEqual(['Index Scan']);
  });

  it('would scan the whole table at the server default cost of a random page read', async () => {
    // The reason for RANDOM_PAGE_COST: without it this same lookup reads every row of the table.
    expect(await lookupScans((sql, params) => plain.query(sql, params), batch)).toEqual(['Seq Scan']);
  });
});
