import { createTestDatabase, TestDatabase } from '@restock/testing';
import { Database } from './database';
import { readAllCommitted, readAllVisible, START } from './event-store';
import { EVENT_STORE_MIGRATIONS, runMigrations } from './migrations';
import { readOutbox } from './outbox';

// Transaction ids are numbers; they were once sorted as text, which put 10 before 9, so a reader
// crossing a power of ten skipped or repeated rows. Rows with set ids make the crossing happen.
const IDS_ACROSS_A_POWER_OF_TEN = ['9', '10', '99', '100'];

describe('reading in commit order across transaction ids of different lengths', () => {
  let database: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    database = await createTestDatabase('commit_order');
    await runMigrations(database.url, 'store', [...EVENT_STORE_MIGRATIONS]);
    db = new Database(database.url, 'store');
    for (const [index, id] of [...IDS_ACROSS_A_POWER_OF_TEN].reverse().entries()) {
      await db.query(`INSERT INTO events (transaction_id, stream_id, version, event_id, type, data) VALUES ($1::xid8, $2, 1, $2, 'Happened', '{}')`, [id, `s-${index}`]);
      await db.query(`INSERT INTO outbox (transaction_id, topic, message_key, value) VALUES ($1::xid8, 't', $2, '{}')`, [id, `k-${index}`]);
    }
  });

  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  it('reads committed events in numeric transaction order, one batch after another', async () => {
    const first = await readAllCommitted(db, START, 2);
    const second = await readAllCommitted(db, { transactionId: first[1]!.transactionId, position: first[1]!.position }, 2);
    expect([...first, ...second].map((event) => event.transactionId)).toEqual(IDS_ACROSS_A_POWER_OF_TEN);
  });

  it('reads visible events in numeric transaction order', async () => {
    expect((await readAllVisible(db, START, 10)).map((event) => event.transactionId)).toEqual(IDS_ACROSS_A_POWER_OF_TEN);
  });

  it('reads the outbox in numeric transaction order, one batch after another', async () => {
    const first = await readOutbox(db, START, 2);
    const second = await readOutbox(db, { transactionId: first[1]!.transactionId, position: first[1]!.position }, 2);
    expect([...first, ...second].map((message) => message.transactionId)).toEqual(IDS_ACROSS_A_POWER_OF_TEN);
  });
});
