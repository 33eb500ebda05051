import { createTestDatabase, TestDatabase } from '@restock/testing';
import { Database } from './database';
import { readAllCommitted, readAllVisible, START } from './event-store';
import { EVENT_STORE_MIGRATIONS, runMigrations } from './migrations';
import { hasOutboxAfter, readOutbox, recordPublished } from './outbox';

// Transaction ids are numbers; they were once sorted as text, which put 10 before 9, so a reader
// crossing a power of ten skipped or repeated rows. Rows with set ids make the crossing happen.
const IDS_ACROSS_A_POWER_OF_TEN = ['9', '10', '99', '100'];

/** A read limit of this many outbox rows of one message each. */
function oneMessageRows(count: number) {
  return { messagesMax: count, bytesMax: Number.MAX_SAFE_INTEGER };
}

describe('reading in commit order across transaction ids of different lengths', () => {
  let database: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    database = await createTestDatabase('commit_order');
    await runMigrations(database.url, 'store', [...EVENT_STORE_MIGRATIONS]);
    db = new Database(database.url, 'store');
    for (const [index, id] of [...IDS_ACROSS_A_POWER_OF_TEN].reverse().entries()) {
      await db.query(`INSERT INTO events (transaction_id, stream_id, version, event_id, type, data) VALUES ($1::xid8, $2, 1, $2, 'Happened', '{}')`, [id, `s-${index}`]);
      await db.query(`INSERT INTO outbox (transaction_id, message_count, bytes, messages) VALUES ($1::xid8, 1, 2, $2)`, [id, `["t","k-${index}",{}]\t{}`]);
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
    const first = await readOutbox(db, START, oneMessageRows(2));
    const second = await readOutbox(db, { transactionId: first[1]!.transactionId, position: first[1]!.position }, oneMessageRows(2));
    expect([...first, ...second].map((message) => message.transactionId)).toEqual(IDS_ACROSS_A_POWER_OF_TEN);
  });

  it('answers whether rows follow a checkpoint, and deletes what was published after the checkpoint it came from', async () => {
    const rows = await readOutbox(db, START, oneMessageRows(10));
    const at = (index: number) => ({ transactionId: rows[index]!.transactionId, position: rows[index]!.position });
    expect(rows.map((row) => row.transactionId)).toEqual(IDS_ACROSS_A_POWER_OF_TEN);
    expect([await hasOutboxAfter(db, at(2)), await hasOutboxAfter(db, at(3))]).toEqual([true, false]);

    // Published up to the third row, coming from after the first: the first stays for the caller to
    // have deleted already (here it was not, which shows the bound), the second and third go.
    await db.transaction((tx) => recordPublished(tx, 'commit-order', at(2), at(0)));
    expect((await readOutbox(db, START, oneMessageRows(10))).map((row) => row.transactionId)).toEqual(['9', '100']);
    await db.transaction((tx) => recordPublished(tx, 'commit-order', at(2)));
    expect((await readOutbox(db, START, oneMessageRows(10))).map((row) => row.transactionId)).toEqual(['100']);
    expect(await hasOutboxAfter(db, at(2))).toBe(true);
  });
});
