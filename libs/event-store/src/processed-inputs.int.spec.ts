import { migratedDatabase } from '@restock/testing';
import { Database, POOL_SIZE_MAX } from './database';
import { EVENT_STORE_MIGRATIONS, runtimeRoleOf } from './migrations';
import { claimInputs, processedAmong, processedInputStats, pruneProcessedInputs, summarizeProcessedInputs } from './processed-inputs';

const HOUR_MS = 3_600_000;

describe('processed input ids', () => {
  const database = migratedDatabase('processed_inputs', 'store', EVENT_STORE_MIGRATIONS);
  /** As a service runs: the owner's login acting as the runtime role. */
  let db: Database;

  beforeAll(() => {
    db = new Database(database.testDb.url, 'store', POOL_SIZE_MAX, runtimeRoleOf('store'));
  });

  afterAll(async () => {
    await db?.close();
  });

  async function deliveredAt(consumer: string, inputId: string): Promise<Date> {
    const result = await database.db.query<{ processed_at: Date }>('SELECT processed_at FROM processed_inputs WHERE consumer = $1 AND input_id = $2', [consumer, inputId]);
    return result.rows[0]!.processed_at;
  }

  /** Rows as an earlier delivery left them, `hoursAgo` hours back. */
  async function seed(consumer: string, hoursAgo: number, count: number, label = `${hoursAgo}h`): Promise<string[]> {
    const ids = Array.from({ length: count }, (_, index) => `${label}-${index}`);
    await database.db.query(
      `INSERT INTO processed_inputs (consumer, input_id, processed_at) SELECT $1, id, now() - make_interval(hours => $3) FROM unnest($2::text[]) AS id`,
      [consumer, ids, hoursAgo],
    );
    return ids;
  }

  it('claims each new id once, an id twice in one batch included, and no id already processed', async () => {
    const first = await db.transaction((tx) => claimInputs(tx, 'c-claim', ['a', 'b', 'a']));
    expect([...first].sort()).toEqual(['a', 'b']);
    const second = await db.transaction((tx) => claimInputs(tx, 'c-claim', ['b', 'c']));
    expect([...second]).toEqual(['c']);
    // Ids count per consumer.
    expect([...(await db.transaction((tx) => claimInputs(tx, 'c-other', ['a'])))]).toEqual(['a']);
  });

  it('moves the time of an id delivered again to that delivery, and still reports it as processed', async () => {
    const [id] = await seed('c-again', 48, 1);
    const before = await deliveredAt('c-again', id!);
    const claimed = await db.transaction((tx) => claimInputs(tx, 'c-again', [id!]));
    expect(claimed.size).toBe(0);
    const after = await deliveredAt('c-again', id!);
    expect(after.getTime() - before.getTime()).toBeGreaterThan(47 * HOUR_MS);
  });

  it('claims nothing for good when the transaction that claimed rolls back', async () => {
    await expect(
      db.transaction(async (tx) => {
        await claimInputs(tx, 'c-rollback', ['x']);
        throw new Error('effects failed');
      }),
    ).rejects.toThrow('effects failed');
    expect([...(await db.transaction((tx) => claimInputs(tx, 'c-rollback', ['x'])))]).toEqual(['x']);
  });

  it("forgets only the consumer's ids last delivered longer ago than it keeps them, a statement's worth at a time, as the runtime role", async () => {
    const old = await seed('c-prune', 30, 25);
    const recent = await seed('c-prune', 10, 5);
    const others = await seed('c-prune-other', 30, 4, 'other');
    // Delivered again just now: an old id whose latest delivery is recent stays.
    await db.transaction((tx) => claimInputs(tx, 'c-prune', [old[0]!]));

    expect(await processedInputStats(db, 'c-prune', 24 * HOUR_MS)).toMatchObject({ ids: 30, pastKeep: 24 });
    expect(await processedInputStats(db, 'c-prune', null)).toMatchObject({ ids: 30, pastKeep: 0 });

    await summarizeProcessedInputs(db);
    const deletions: number[] = [];
    for (;;) {
      const deleted = await db.transaction((tx) => pruneProcessedInputs(tx, 'c-prune', 24 * HOUR_MS, 10));
      deletions.push(deleted);
      if (deleted < 10) break;
    }
    expect(deletions).toEqual([10, 10, 4]);
    expect(await processedAmong(db, 'c-prune', [...old, ...recent])).toEqual(new Set([old[0]!, ...recent]));
    expect(await processedInputStats(db, 'c-prune', 24 * HOUR_MS)).toMatchObject({ ids: 6, pastKeep: 0 });
    expect((await processedAmong(db, 'c-prune-other', others)).size).toBe(others.length);
    // A forgotten id is new again: this is what retention trades away, for ids no topic holds any more.
    expect([...(await db.transaction((tx) => claimInputs(tx, 'c-prune', [old[1]!])))]).toEqual([old[1]!]);
  });

  it('finds the old ids through the BRIN index once summarized, without reading the whole table', async () => {
    await seed('c-brin', 100, 20_000, 'brin-old');
    await seed('c-brin', 1, 20_000, 'brin-new');
    await summarizeProcessedInputs(db);
    await database.db.query('ANALYZE processed_inputs');
    const plan = await database.db.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT ctid FROM processed_inputs WHERE consumer = 'c-brin' AND processed_at < now() - interval '50 hours'`,
    );
    expect(plan.rows.map((row) => row['QUERY PLAN']).join('\n')).toContain('processed_inputs_processed_at');
    expect(await db.transaction((tx) => pruneProcessedInputs(tx, 'c-brin', 50 * HOUR_MS, 100_000))).toBe(20_000);
  });

  it('refuses a negative or fractional keep time instead of deleting everything', async () => {
    await expect(pruneProcessedInputs(db, 'c-prune', -1)).rejects.toThrow('keepMs');
    await expect(pruneProcessedInputs(db, 'c-prune', 1.5)).rejects.toThrow('keepMs');
  });
});
