import { createTestDatabase, TestDatabase } from '@restock/testing';
import { PoolClient } from 'pg';
import { Database, Queryable } from './database';
import { StoredEvent } from './event-store';
import { EVENT_STORE_MIGRATIONS, runMigrations } from './migrations';
import { createTablesLike, Projection, tableChecksumSql } from './projection';
import { replayProjection, ReplayLockTimeoutError } from './projection-replay';

// A read model of two tables, written like the services write theirs: each event and its rows in
// one transaction, the tables in whatever order the handler reaches them.
const TABLES = ['tally_a', 'tally_b'] as const;

const tallies: Projection = {
  name: 'tallies',
  service: 'test',
  tables: TABLES,
  createShadow: (tx, suffix) => createTablesLike(tx, TABLES, suffix),
  async apply(tx, events: readonly StoredEvent[], suffix) {
    for (const event of events) {
      for (const table of TABLES) await count(tx, table + suffix, (event.data as { key: string }).key);
    }
  },
  checksumSql: (table, suffix) => tableChecksumSql(table + suffix, ['key', 'n']),
};

function count(tx: Queryable, table: string, key: string) {
  return tx.query(`INSERT INTO ${table} (key, n) VALUES ($1, 1) ON CONFLICT (key) DO UPDATE SET n = ${table}.n + 1`, [key]);
}

let sequence = 0;

async function appendEvent(tx: Queryable, key: string): Promise<void> {
  sequence += 1;
  await tx.query(`INSERT INTO events (stream_id, version, event_id, type, data) VALUES ($1, 1, $2, 'Counted', $3)`, [`tally-${sequence}`, `e-${sequence}`, { key }]);
}

describe('replaying a projection while its service writes', () => {
  let database: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    database = await createTestDatabase('projection_replay');
    await runMigrations(database.url, 'store', [...EVENT_STORE_MIGRATIONS]);
    db = new Database(database.url, 'store');
    for (const table of TABLES) await db.query(`CREATE TABLE ${table} (key text PRIMARY KEY, n integer NOT NULL)`);
    for (let index = 0; index < 50; index += 1) {
      await db.transaction(async (tx) => {
        await appendEvent(tx, `k${index % 7}`);
        for (const table of TABLES) await count(tx, table, `k${index % 7}`);
      });
    }
  });

  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  /** A service transaction that has written tally_b and not yet committed. */
  async function writerHoldingB(): Promise<PoolClient> {
    const writer = await db.pool.connect();
    await writer.query('BEGIN');
    await appendEvent(writer, 'late');
    await count(writer, 'tally_b', 'late');
    return writer;
  }

  it('never deadlocks with a writer that holds one of its tables and then wants another', async () => {
    const writer = await writerHoldingB();
    let caughtUp!: () => void;
    const reachedLastStretch = new Promise<void>((resolve) => (caughtUp = resolve));
    const replay = replayProjection(db, tallies, { onProgress: () => caughtUp() });
    await reachedLastStretch;
    // Long enough for the last stretch's LOCK to have run: one that took tally_a and waited for
    // tally_b would now make a cycle with this write, and PostgreSQL would abort one side.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await count(writer, 'tally_a', 'late');
    await writer.query('COMMIT');
    writer.release();

    const result = await replay;
    expect(result.tables.map((table) => [table.table, table.equal, table.live.rows])).toEqual([
      ['tally_a', true, 8],
      ['tally_b', true, 8],
    ]);
  }, 30_000);

  it('gives up with a clear error when writers keep the tables locked, and a later replay runs', async () => {
    const writer = await writerHoldingB();
    try {
      await expect(replayProjection(db, tallies, { lockWaitMsMax: 300 })).rejects.toThrow(ReplayLockTimeoutError);
    } finally {
      await writer.query('ROLLBACK');
      writer.release();
    }
    const result = await replayProjection(db, tallies);
    expect(result.equal).toBe(true);
  }, 30_000);

  it("keeps a table's storage parameters, such as its fill factor, through a rebuild and a swap", async () => {
    const options = async () => (await db.query<{ options: string[] | null }>(`SELECT reloptions AS options FROM pg_class WHERE oid = 'tally_a'::regclass`)).rows[0]!.options;
    await db.query('ALTER TABLE tally_a SET (fillfactor = 80)');
    const result = await replayProjection(db, tallies, { swap: true });
    expect(result.swapped).toBe(true);
    expect(await options()).toEqual(['fillfactor=80']);
  }, 30_000);
});
