import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { createTestDatabase, eventually, TestDatabase } from '@restock/testing';
import { Database, Queryable } from './database';
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

  describe('what an append stores (rows go in by COPY)', () => {
    // COPY's text format gives tab, newline, carriage return and backslash meanings of their own.
    const awkward = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 12 }),
      fc.array(fc.constantFrom('\t', '\n', '\r', '\\', '\\N', '\\t', '"', "'", ',', 'é', '🙂', 'a'), { maxLength: 8 }).map((parts) => parts.join('')),
    );

    it('reads back every stream id, type, data and metadata exactly as appended, whatever their characters', async () => {
      await fc.assert(
        fc.asyncProperty(fc.tuple(awkward, awkward, awkward, fc.jsonValue(), awkward), async ([streamSuffix, type, text, value, note]) => {
          const streamId = `s-${randomUUID()}-${streamSuffix}`;
          const appended = [
            { id: randomUUID(), type: `T${type}`, data: { text, value }, metadata: { note } },
            { id: `${randomUUID()}${note}`, type: 'Second', data: [text] },
          ];
          await db.transaction((tx) => appendToStreams(tx, [{ streamId, expectedVersion: 0, events: appended }]));
          const stored = await readStream(db, streamId);
          expect(stored.map(({ streamId: id, version, id: eventId, type: storedType, data, metadata }) => ({ id, version, eventId, storedType, data, metadata }))).toEqual([
            { id: streamId, version: 1, eventId: appended[0]!.id, storedType: appended[0]!.type, data: JSON.parse(JSON.stringify(appended[0]!.data)), metadata: { note } },
            { id: streamId, version: 2, eventId: appended[1]!.id, storedType: 'Second', data: [text], metadata: {} },
          ]);
        }),
        { numRuns: 60 },
      );
    });

    it('refuses a query-only connection, which cannot stream a COPY, and the transaction writes nothing', async () => {
      const streamId = `s-${randomUUID()}`;
      await expect(
        db.transaction((tx) => appendToStreams({ query: (sql: string, params?: readonly unknown[]) => tx.query(sql, params as unknown[]) } as Queryable, [{ streamId, expectedVersion: 0, events: events(1, 'x') }])),
      ).rejects.toThrow(/COPY into events needs the transaction's connection/);
      expect(await readStream(db, streamId)).toEqual([]);
      expect(await db.query('SELECT 1 FROM streams WHERE stream_id = $1', [streamId])).toMatchObject({ rowCount: 0 });
    });
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
