import { randomUUID } from 'node:crypto';
import { createTestDatabase, TestDatabase } from '@restock/testing';
import { Database, prepared, runPrepared } from './database';
import { isTransientError } from './errors';
import { appendToStreams } from './event-store';
import { EVENT_STORE_MIGRATIONS, runMigrations } from './migrations';
import { claimInputs } from './processed-inputs';

describe('prepared statements on PostgreSQL', () => {
  let testDb: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    testDb = await createTestDatabase('prepared');
    await runMigrations(testDb.url, 'store', [...EVENT_STORE_MIGRATIONS]);
    // One connection, so every statement below runs in the session whose prepared statements are listed.
    db = new Database(testDb.url, 'store', 1);
  });

  afterAll(async () => {
    await db.close();
    await testDb.drop();
  });

  const preparedNames = async () =>
    (await db.query<{ name: string }>('SELECT name FROM pg_prepared_statements ORDER BY name')).rows.map((row) => row.name);

  it('prepares what a batch runs once per connection, and answers the same from then on', async () => {
    const streamId = `s-${randomUUID()}`;
    const [first, second] = [randomUUID(), randomUUID()];
    const claimed = await db.transaction(async (tx) => {
      await appendToStreams(tx, [{ streamId, expectedVersion: 0, events: [{ id: randomUUID(), type: 'Happened', data: {} }] }]);
      return claimInputs(tx, 'consumer', [first]);
    }, { lockKeys: [streamId] });
    expect([...claimed]).toEqual([first]);
    expect(await preparedNames()).toEqual(expect.arrayContaining(['restock_claim_inputs', 'restock_claim_streams', 'restock_lock_keys']));

    const again = await db.transaction(async (tx) => {
      await appendToStreams(tx, [{ streamId, expectedVersion: 1, events: [{ id: randomUUID(), type: 'Happened', data: {} }] }]);
      return claimInputs(tx, 'consumer', [first, second]);
    }, { lockKeys: [streamId] });
    expect([...again]).toEqual([second]);
    const versions = await db.query<{ version: number }>('SELECT version FROM events WHERE stream_id = $1 ORDER BY version', [streamId]);
    expect(versions.rows.map((row) => row.version)).toEqual([1, 2]);
  });

  it('keeps working when the table it names is dropped and created again (a replay swaps its rebuilt tables in)', async () => {
    const insert = prepared('test_insert_swapped', 'INSERT INTO swapped (id) SELECT * FROM unnest($1::text[])');
    await db.query('CREATE TABLE swapped (id text PRIMARY KEY)');
    await runPrepared(db, insert, [['a']]);
    await db.query('DROP TABLE swapped');
    await db.query('CREATE TABLE swapped (id text PRIMARY KEY, note text)');
    await runPrepared(db, insert, [['b']]);
    expect((await db.query<{ id: string }>('SELECT id FROM swapped')).rows).toEqual([{ id: 'b' }]);
  });

  it('lets go of a connection whose prepared statement a migration made stale, so the retry runs on a fresh one', async () => {
    // As a newer instance's migration would, from another session: a column the statement returns changes its collation.
    const read = prepared('test_read_changed', 'SELECT id FROM changed ORDER BY id');
    await db.query('CREATE TABLE changed (id text PRIMARY KEY)');
    await db.query("INSERT INTO changed VALUES ('a')");
    expect((await runPrepared<{ id: string }>(db, read, [])).rows).toEqual([{ id: 'a' }]);
    const other = new Database(testDb.url, 'store', 1);
    try {
      await other.query('ALTER TABLE changed ALTER COLUMN id TYPE text COLLATE "C"');
    } finally {
      await other.close();
    }
    const stale = await runPrepared(db, read, []).catch((error: unknown) => error);
    expect(stale).toMatchObject({ code: '0A000', message: 'cached plan must not change result type' });
    expect(isTransientError(stale)).toBe(true);
    expect((await runPrepared<{ id: string }>(db, read, [])).rows).toEqual([{ id: 'a' }]);

    // The same inside a transaction: it rolls back, and the next one runs on another connection.
    await db.query('ALTER TABLE changed ALTER COLUMN id TYPE text COLLATE "default"');
    const inTransaction = await db.transaction((tx) => runPrepared(tx, read, [])).catch((error: unknown) => error);
    expect(isTransientError(inTransaction)).toBe(true);
    expect((await db.transaction((tx) => runPrepared<{ id: string }>(tx, read, []))).rows).toEqual([{ id: 'a' }]);
  });

  it('refuses one name for two texts', () => {
    prepared('test_one_name', 'SELECT 1');
    expect(() => prepared('test_one_name', 'SELECT 2')).toThrow('prepared statement test_one_name is defined twice with different text');
    expect(prepared('test_one_name', 'SELECT 1')).toEqual({ name: 'test_one_name', text: 'SELECT 1' });
  });
});
