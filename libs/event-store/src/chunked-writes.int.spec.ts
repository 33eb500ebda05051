import { randomUUID } from 'node:crypto';
import { createTestDatabase, eventually, TestDatabase } from '@restock/testing';
import { Database } from './database';
import { ConcurrencyError } from './errors';
import { appendToStreams, NewEvent, readAllVisible, readStream, START } from './event-store';
import { EVENT_STORE_MIGRATIONS, runMigrations } from './migrations';
import { enqueue, OUTBOX_MESSAGE_BYTES_MAX, OUTBOX_ROW_BYTES_MAX, OUTBOX_ROW_MESSAGES_MAX, OUTBOX_ROWS_PER_STATEMENT, OutboxMessage, PendingOutboxRow, readOutbox } from './outbox';
import { ROWS_PER_STATEMENT } from './row-chunks';

/** More rows than two statements hold, so a write takes three. */
const ROWS_IN_THREE_STATEMENTS = 2 * ROWS_PER_STATEMENT + 1;

// Text that JSON and PostgreSQL array literals both escape, written through every column.
const AWKWARD_TEXT = 'quote " backslash \\ brace { comma , é 😀 newline \n';

function events(count: number, label: string): NewEvent[] {
  return Array.from({ length: count }, (_, index) => ({ id: randomUUID(), type: 'Happened', data: { label, index, note: AWKWARD_TEXT } }));
}

function* messages(count: number, topic: string): Generator<OutboxMessage> {
  for (let index = 0; index < count; index += 1) yield { topic, key: index % 2 === 0 ? `key-${index}` : null, value: { index, note: AWKWARD_TEXT } };
}

describe('writes larger than one statement', () => {
  let database: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    database = await createTestDatabase('chunked_writes');
    await runMigrations(database.url, 'store', [...EVENT_STORE_MIGRATIONS]);
    db = new Database(database.url, 'store');
  });

  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  async function eventCount(streamId: string): Promise<number> {
    const result = await db.query<{ count: string }>('SELECT count(*) FROM events WHERE stream_id = $1', [streamId]);
    return Number(result.rows[0]!.count);
  }

  it('stores every event of a large append in version order, positions rising with versions', async () => {
    const big = `s-${randomUUID()}`;
    const small = `s-${randomUUID()}`;
    const written = events(ROWS_IN_THREE_STATEMENTS, 'big');
    await db.transaction((tx) => appendToStreams(tx, [{ streamId: big, expectedVersion: 0, events: written }, { streamId: small, expectedVersion: 0, events: events(2, 'small') }]));
    const stored = await readStream(db, big);
    expect(stored.map((event) => event.id)).toEqual(written.map((event) => event.id));
    expect(stored.map((event) => event.version)).toEqual(written.map((_, index) => index + 1));
    expect(stored[ROWS_IN_THREE_STATEMENTS - 1]!.data).toEqual(written[ROWS_IN_THREE_STATEMENTS - 1]!.data);
    expect(stored[0]!.metadata).toEqual({});
    const positions = stored.map((event) => BigInt(event.position));
    expect(positions.every((position, index) => index === 0 || position > positions[index - 1]!)).toBe(true);
    expect(await eventCount(small)).toBe(2);
  });

  it('writes nothing of a large append when another stream of the batch is not at its expected version', async () => {
    const stale = `s-${randomUUID()}`;
    const big = `s-${randomUUID()}`;
    await db.transaction((tx) => appendToStreams(tx, [{ streamId: stale, expectedVersion: 0, events: events(1, 'first') }]));
    const append = db.transaction((tx) =>
      appendToStreams(tx, [
        { streamId: big, expectedVersion: 0, events: events(ROWS_IN_THREE_STATEMENTS, 'big') },
        { streamId: stale, expectedVersion: 0, events: events(1, 'late') },
      ]),
    );
    await expect(append).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await eventCount(big)).toBe(0);
    expect(await eventCount(stale)).toBe(1);
  });

  it('writes nothing of a large append whose last statement fails: every statement is in the one transaction', async () => {
    const streamId = `s-${randomUUID()}`;
    const written = events(ROWS_IN_THREE_STATEMENTS, 'big');
    // An event without data violates NOT NULL; it is in the third statement, after two succeeded.
    const broken = [...written.slice(0, -1), { id: randomUUID(), type: 'Happened', data: undefined }];
    await expect(db.transaction((tx) => appendToStreams(tx, [{ streamId, expectedVersion: 0, events: broken }]))).rejects.toThrow(/null value/);
    expect(await eventCount(streamId)).toBe(0);
    expect(await readAllVisible(db, START, 10_000).then((all) => all.filter((event) => event.streamId === streamId))).toEqual([]);
  });

  const EVERYTHING = { messagesMax: 1_000_000, bytesMax: Number.MAX_SAFE_INTEGER };

  async function rowsOf(topic: string, expectedMessages: number): Promise<PendingOutboxRow[]> {
    // Commit-order reads wait for the cluster-wide xmin horizon, which another test's open transaction can hold back a moment.
    return eventually(async () => {
      const rows = (await readOutbox(db, START, EVERYTHING)).filter((row) => row.messages.some((message) => message.topic === topic));
      return rows.reduce((sum, row) => sum + row.messages.length, 0) >= expectedMessages ? rows : undefined;
    }, 30_000);
  }

  it('enqueues lazily produced messages in their order, in rows of bounded size, across statements', async () => {
    const topic = `t-${randomUUID()}`;
    const count = OUTBOX_ROW_MESSAGES_MAX * OUTBOX_ROWS_PER_STATEMENT + 1;
    await db.transaction((tx) => enqueue(tx, messages(count, topic)));
    const rows = await rowsOf(topic, count);
    // The value comes back as the very text enqueue serialized (the newline in it escaped): the relay sends it without parsing it.
    expect(rows.flatMap((row) => row.messages)).toEqual([...messages(count, topic)].map((message) => ({ ...message, value: JSON.stringify(message.value), headers: {} })));
    expect(rows.map((row) => row.messages.length)).toEqual([...Array<number>(OUTBOX_ROWS_PER_STATEMENT).fill(OUTBOX_ROW_MESSAGES_MAX), 1]);
    const positions = rows.map((row) => BigInt(row.position));
    expect(positions.every((position, index) => index === 0 || position > positions[index - 1]!)).toBe(true);
    expect(new Set(rows.map((row) => row.transactionId)).size).toBe(1);
  });

  it('keeps a row within its byte bound, gives a larger message a row of its own, and counts key and value bytes', async () => {
    const topic = `t-${randomUUID()}`;
    const quarter = 'x'.repeat(OUTBOX_ROW_BYTES_MAX / 4);
    const sizes = [1, 1, 1, 1, 5, 1];
    const written = sizes.map((quarters, index) => ({ topic, key: `k-${index}`, value: { index, padding: quarter.repeat(quarters) }, headers: { causationid: `c-${index}` } }));
    await db.transaction((tx) => enqueue(tx, written));
    const rows = await rowsOf(topic, written.length);
    // Three quarters and their JSON fit one row; the fourth would cross the bound.
    expect(rows.map((row) => row.messages.map((message) => JSON.parse(message.value).index))).toEqual([[0, 1, 2], [3], [4], [5]]);
    expect(rows.every((row) => row.bytes <= OUTBOX_ROW_BYTES_MAX || row.messages.length === 1)).toBe(true);
    expect(rows[2]!.bytes).toBe(Buffer.byteLength(JSON.stringify(written[4]!.value)) + Buffer.byteLength('k-4'));
    expect(rows[0]!.messages[1]).toEqual({ topic, key: 'k-1', value: JSON.stringify(written[1]!.value), headers: { causationid: 'c-1' } });
  });

  it('reads whole rows within the limit, and at least one row however small the limit', async () => {
    const topic = `t-${randomUUID()}`;
    await db.transaction((tx) => enqueue(tx, messages(OUTBOX_ROW_MESSAGES_MAX * 3, topic)));
    const rows = await rowsOf(topic, OUTBOX_ROW_MESSAGES_MAX * 3);
    const before = { transactionId: rows[0]!.transactionId, position: (BigInt(rows[0]!.position) - 1n).toString() };
    const positions = async (limit: { messagesMax: number; bytesMax: number }) => (await readOutbox(db, before, limit)).map((row) => row.position);
    expect(await positions({ messagesMax: 1, bytesMax: 1 })).toEqual([rows[0]!.position]);
    expect(await positions({ messagesMax: OUTBOX_ROW_MESSAGES_MAX * 2, bytesMax: Number.MAX_SAFE_INTEGER })).toEqual([rows[0]!.position, rows[1]!.position]);
    expect(await positions({ messagesMax: OUTBOX_ROW_MESSAGES_MAX * 3, bytesMax: rows[0]!.bytes + rows[1]!.bytes - 1 })).toEqual([rows[0]!.position]);
  });

  it('refuses a message without a value, and enqueues nothing of its transaction', async () => {
    const topic = `t-${randomUUID()}`;
    const failing = db.transaction((tx) => enqueue(tx, [...messages(3, topic), { topic, key: 'k', value: undefined }]));
    await expect(failing).rejects.toThrow(`outbox: a message to ${topic} without a value`);
    const result = await db.query<{ count: string }>('SELECT count(*) FROM outbox_messages WHERE topic = $1', [topic]);
    expect(Number(result.rows[0]!.count)).toBe(0);
  });

  it('refuses a message larger than a Kafka record may carry, and enqueues nothing of its transaction; one at the bound goes in', async () => {
    const topic = `t-${randomUUID()}`;
    // A JSON string of n characters is n + 2 bytes; the key is 'k'.
    const ofBytes = (bytes: number) => ({ topic, key: 'k', value: 'x'.repeat(bytes - 1 - 2) });
    const failing = db.transaction((tx) => enqueue(tx, [...messages(3, topic), ofBytes(OUTBOX_MESSAGE_BYTES_MAX + 1)]));
    await expect(failing).rejects.toThrow(`outbox: a message to ${topic} of ${OUTBOX_MESSAGE_BYTES_MAX + 1} bytes, over the ${OUTBOX_MESSAGE_BYTES_MAX}`);
    const count = async () => Number((await db.query<{ count: string }>('SELECT count(*) FROM outbox_messages WHERE topic = $1', [topic])).rows[0]!.count);
    expect(await count()).toBe(0);
    await db.transaction((tx) => enqueue(tx, [ofBytes(OUTBOX_MESSAGE_BYTES_MAX)]));
    expect(await count()).toBe(1);
  });

  it('enqueues nothing of a large batch whose transaction fails after it', async () => {
    const topic = `t-${randomUUID()}`;
    const failing = db.transaction(async (tx) => {
      await enqueue(tx, messages(ROWS_IN_THREE_STATEMENTS, topic));
      throw new Error('the handler failed after enqueueing');
    });
    await expect(failing).rejects.toThrow('the handler failed after enqueueing');
    const result = await db.query<{ count: string }>('SELECT count(*) FROM outbox_messages WHERE topic = $1', [topic]);
    expect(Number(result.rows[0]!.count)).toBe(0);
  });
});
