import { Database, readStream } from '@restock/event-store';
import { createTestDatabase, TestDatabase } from '@restock/testing';
import { HopRecorder } from './hop-record';

describe('what a hop of the recording relay chain writes to PostgreSQL', () => {
  let testDb: TestDatabase;
  let recorder: HopRecorder;
  let db: Database;

  beforeAll(async () => {
    testDb = await createTestDatabase('hop_record');
    recorder = await HopRecorder.open(testDb.url, 'hop1');
    db = new Database(testDb.url, 'hop1');
  });

  afterAll(async () => {
    await recorder.close();
    await db.close();
    await testDb.drop();
  });

  it("appends one event per fresh input to its key's stream, in order, and records each id once", async () => {
    await recorder.record([
      { id: 'a', key: 'SKU-1', data: { n: 1 } },
      { id: 'b', key: 'SKU-2', data: { n: 2 } },
      { id: 'c', key: 'SKU-1', data: { n: 3 } },
    ]);
    // A redelivered batch: 'c' again, and a new input on a stream that exists.
    await recorder.record([
      { id: 'c', key: 'SKU-1', data: { n: 3 } },
      { id: 'd', key: 'SKU-1', data: { n: 4 } },
    ]);

    const stream = async (key: string) => (await readStream(db, key)).map((event) => [event.version, event.id, event.data]);
    expect(await stream('SKU-1')).toEqual([
      [1, 'a', { n: 1 }],
      [2, 'c', { n: 3 }],
      [3, 'd', { n: 4 }],
    ]);
    expect(await stream('SKU-2')).toEqual([[1, 'b', { n: 2 }]]);
    const processed = await db.query<{ input_id: string }>('SELECT input_id FROM processed_inputs ORDER BY input_id');
    expect(processed.rows.map((row) => row.input_id)).toEqual(['a', 'b', 'c', 'd']);
  });
});
