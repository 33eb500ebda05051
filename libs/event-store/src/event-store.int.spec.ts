import { randomUUID } from 'node:crypto';
import { createTestDatabase, eventually, TestDatabase } from '@restock/testing';
import { Database } from './database';
import { ConcurrencyError } from './errors';
import { appendToStreams, readAllCommitted, readStream, START } from './event-store';
import { EVENT_STORE_MIGRATIONS, runMigrations } from './migrations';

function events(count: number, label: string) {
  return Array.from({ length: count }, (_, index) => ({ id: randomUUID(), type: 'Happened', data: { label, index } }));
}

describe('event store on PostgreSQL', () => {
  let testDb: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    testDb = await createTestDatabase('event_store');
    await runMigrations(testDb.url, 'store', [...EVENT_STORE_MIGRATIONS]);
    db = new Database(testDb.url, 'store', 20);
  });

  afterAll(async () => {
    await db.close();
    await testDb.drop();
  });

  describe('when many writers append to one stream at the same version', () => {
    it('lets exactly one win per version; the others get the conflict error and wrote nothing', async () => {
      const streamId = `sku-${randomUUID()}`;
      for (const expectedVersion of [0, 2, 4]) {
        const writers = Array.from({ length: 8 }, (_, writer) =>
          db.transaction((tx) => appendToStreams(tx, [{ streamId, expectedVersion, events: events(2, `writer-${writer}`) }])),
        );
        const outcomes = await Promise.allSettled(writers);
        const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
        const lost = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(7);
        for (const failure of lost) expect(failure.reason).toBeInstanceOf(ConcurrencyError);
      }
      const stored = await readStream(db, streamId);
      expect(stored.map((event) => event.version)).toEqual([1, 2, 3, 4, 5, 6]);
      // Each version pair came from a single writer: the losers' events are nowhere.
      for (const pair of [stored.slice(0, 2), stored.slice(2, 4), stored.slice(4, 6)]) {
        expect(new Set(pair.map((event) => (event.data as { label: string }).label)).size).toBe(1);
      }
    });
  });

  describe('when two writers lock the same key', () => {
    /** Holds `key` in a transaction of `holder` until the returned release is called. */
    async function holding(holder: Database, key: string): Promise<() => void> {
      let release!: () => void;
      let locked!: () => void;
      const taken = new Promise<void>((resolve) => (locked = resolve));
      void holder.transaction(() => {
        locked();
        return new Promise<void>((resolve) => (release = resolve));
      }, { lockKeys: [key] });
      await taken;
      return release;
    }

    it('makes the second wait in the same schema and not in another one', async () => {
      const key = `SKU-${randomUUID()}`;
      const sameSchema = new Database(testDb.url, 'store', 2);
      const otherSchema = new Database(testDb.url, 'other_service', 2);
      try {
        const release = await holding(db, key);
        let sameDone = false;
        const same = sameSchema.transaction(async () => undefined, { lockKeys: [key] }).then(() => (sameDone = true));
        await otherSchema.transaction(async () => undefined, { lockKeys: [key] });
        expect(sameDone).toBe(false);
        release();
        await same;
        expect(sameDone).toBe(true);
      } finally {
        await sameSchema.close();
        await otherSchema.close();
      }
    });
  });

  describe('when one stream of a multi-stream batch is stale', () => {
    it('writes nothing of the batch', async () => {
      const fresh = `sku-${randomUUID()}`;
      const existing = `sku-${randomUUID()}`;
      await db.transaction((tx) => appendToStreams(tx, [{ streamId: existing, expectedVersion: 0, events: events(1, 'first') }]));
      const attempt = db.transaction((tx) =>
        appendToStreams(tx, [
          { streamId: fresh, expectedVersion: 0, events: events(3, 'fresh') },
          { streamId: existing, expectedVersion: 0, events: events(1, 'stale') },
        ]),
      );
      await expect(attempt).rejects.toBeInstanceOf(ConcurrencyError);
      expect(await readStream(db, fresh)).toEqual([]);
      expect(await readStream(db, existing)).toHaveLength(1);
    });
  });

  describe('when a transaction that took a position earlier commits later', () => {
    it('reads it after the later position instead of skipping it', async () => {
      const slow = await db.pool.connect();
      try {
        await slow.query('BEGIN');
        await appendToStreams(slow, [{ streamId: `slow-${randomUUID()}`, expectedVersion: 0, events: events(1, 'slow') }]);
        await db.transaction((tx) => appendToStreams(tx, [{ streamId: `fast-${randomUUID()}`, expectedVersion: 0, events: events(1, 'fast') }]));
        const before = await readAllCommitted(db, START, 10_000);
        expect(before.some((event) => (event.data as { label: string }).label === 'fast')).toBe(false);
        await slow.query('COMMIT');
      } finally {
        slow.release();
      }
      // The xmin horizon is cluster-wide: another test's open transaction can hold both back a moment.
      const labels = await eventually(async () => {
        const read = (await readAllCommitted(db, START, 10_000)).map((event) => (event.data as { label: string }).label);
        return read.includes('slow') && read.includes('fast') ? read : undefined;
      }, 30_000);
      expect(labels.indexOf('slow')).toBeLessThan(labels.indexOf('fast'));
    });
  });
});
