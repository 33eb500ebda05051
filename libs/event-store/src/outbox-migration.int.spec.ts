import { DataSource } from 'typeorm';
import { createTestDatabase, eventually, TestDatabase } from '@restock/testing';
import { Database } from './database';
import { START } from './event-store';
import { CreateEventStore1764000000000, EVENT_STORE_MIGRATIONS, MigrationClass, OutboxLz4Compression1765300000000, OutboxRowPerStatement1765100000000, PayloadsAsJson1764400000000, runMigrations } from './migrations';
import { enqueue, OutboxMessage, readOutbox } from './outbox';

// Text that JSON, tabs and newlines would each trip over, in keys, headers and values.
const AWKWARD = 'tab \t newline \n quote " backslash \\ é 😀';

// Rows as the outbox held them before OutboxRowPerStatement: one per message, over two transactions.
// Their ids lie below any cluster's xmin horizon (initdb alone uses several hundred), so commit-order reads see them at once.
const OLD_ROWS = [
  { transactionId: '100', topic: 'a.v1', key: `k ${AWKWARD}`, value: { n: 1, note: AWKWARD }, headers: { causationid: AWKWARD } },
  { transactionId: '100', topic: 'b.v1', key: null, value: { n: 2 }, headers: {} },
  { transactionId: '101', topic: 'a.v1', key: 'k-3', value: [3, { nested: true }], headers: { 'content-type': 'x' } },
];

/** Runs the down of the last of these migrations that ran in schema `store`, as TypeORM's CLI would. */
async function undoLastMigration(url: string, migrations: readonly MigrationClass[]): Promise<void> {
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    schema: 'store',
    migrations: [...migrations],
    migrationsTableName: 'migrations',
    logging: false,
    extra: { options: '-c search_path=store' },
  });
  await dataSource.initialize();
  try {
    await dataSource.undoLastMigration({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
}

describe('the outbox migration to rows of several messages', () => {
  let database: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    database = await createTestDatabase('outbox_migration');
    await runMigrations(database.url, 'store', [CreateEventStore1764000000000, PayloadsAsJson1764400000000]);
    db = new Database(database.url, 'store');
    for (const row of OLD_ROWS) {
      await db.query('INSERT INTO outbox (transaction_id, topic, message_key, value, headers) VALUES ($1::xid8, $2, $3, $4::json, $5::json)', [
        row.transactionId,
        row.topic,
        row.key,
        JSON.stringify(row.value),
        JSON.stringify(row.headers),
      ]);
    }
  });

  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  async function oldRows() {
    const result = await db.query<{ transaction_id: string; topic: string; message_key: string | null; value: unknown; headers: unknown }>(
      'SELECT transaction_id::text, topic, message_key, value, headers FROM outbox ORDER BY transaction_id, position',
    );
    return result.rows.map((row) => ({ transactionId: row.transaction_id, topic: row.topic, key: row.message_key, value: row.value, headers: row.headers }));
  }

  it('keeps every waiting message, in order, through the migration and back', async () => {
    expect(await oldRows()).toEqual(OLD_ROWS);

    const ran = await runMigrations(database.url, 'store', [CreateEventStore1764000000000, PayloadsAsJson1764400000000, OutboxRowPerStatement1765100000000]);
    expect(ran).toEqual(['OutboxRowPerStatement1765100000000']);
    const rows = await readOutbox(db, START, { messagesMax: 100, bytesMax: 1_000_000 });
    expect(rows.map((row) => row.transactionId)).toEqual(['100', '100', '101']);
    expect(rows.map((row) => row.messages.length)).toEqual([1, 1, 1]);
    expect(rows.flatMap((row) => row.messages).map((message) => ({ ...message, value: JSON.parse(message.value) as unknown }))).toEqual(
      OLD_ROWS.map(({ topic, key, value, headers }) => ({ topic, key, value, headers })),
    );
    expect(rows[0]!.bytes).toBe(Buffer.byteLength(JSON.stringify(OLD_ROWS[0]!.value)) + Buffer.byteLength(OLD_ROWS[0]!.key!));
    const view = await db.query('SELECT transaction_id::text, topic, message_key, value, headers FROM outbox_messages ORDER BY transaction_id, position, ordinal');
    expect(view.rows.map((row) => ({ transactionId: row.transaction_id, topic: row.topic, key: row.message_key, value: row.value, headers: row.headers }))).toEqual(OLD_ROWS);

    await undoLastMigration(database.url, [CreateEventStore1764000000000, PayloadsAsJson1764400000000, OutboxRowPerStatement1765100000000]);
    expect(await oldRows()).toEqual(OLD_ROWS);
  });
});

/** Messages like a batch's customer updates: 120 CloudEvents of about 450 bytes, one outbox row. */
function updatesOfABatch(batch: string): OutboxMessage[] {
  return Array.from({ length: 120 }, (_, index) => ({
    topic: 'restock.customer-updates.v1',
    key: `order-${batch}-${index}`,
    value: {
      specversion: '1.0',
      id: `${batch}-${index}-4f1c2b8e-9a7d-4e43-8a1e-${String(index).padStart(12, '0')}`,
      source: 'restock/orders',
      type: 'OrderLineAllocated',
      time: '2026-11-28T03:40:00.000Z',
      data: { orderId: `order-${batch}-${index}`, lineId: 'L1', sku: `SKU-${index % 17}`, quantity: 3, allocatedQuantity: 2, remainingQuantity: 1, note: AWKWARD },
    },
    headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' },
  }));
}

/** The event store's migrations up to and with the one under test, which is then the last to undo. */
const UP_TO_LZ4 = [CreateEventStore1764000000000, PayloadsAsJson1764400000000, OutboxRowPerStatement1765100000000, OutboxLz4Compression1765300000000];

describe('the outbox migration to lz4-compressed rows', () => {
  let database: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    database = await createTestDatabase('outbox_lz4');
    await runMigrations(database.url, 'store', UP_TO_LZ4);
    db = new Database(database.url, 'store');
  });

  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  async function compressions(): Promise<(string | null)[]> {
    const result = await db.query<{ compression: string | null }>('SELECT pg_column_compression(messages) AS compression FROM outbox ORDER BY transaction_id, position');
    return result.rows.map((row) => row.compression);
  }

  /** Every message once `expected` of them are readable: commit-order reads wait for the cluster-wide xmin horizon, which another suite's open transaction can hold back. */
  async function readAll(expected: number) {
    return eventually(async () => {
      const rows = await readOutbox(db, START, { messagesMax: 10_000, bytesMax: 10_000_000 });
      const messages = rows.flatMap((row) => row.messages).map((message) => ({ ...message, value: JSON.parse(message.value) as unknown }));
      return messages.length >= expected ? messages : undefined;
    }, 30_000);
  }

  it('compresses the row of a batch with lz4 where the server has it, reads it back whole, and the down writes new rows uncompressed', async () => {
    const [{ lz4 }] = (await db.query<{ lz4: boolean }>("SELECT 'lz4' = ANY(enumvals) AS lz4 FROM pg_settings WHERE name = 'default_toast_compression'")).rows as [{ lz4: boolean }];
    const first = updatesOfABatch('a');
    await db.transaction((tx) => enqueue(tx, first));

    // A server built without lz4 keeps the rows as they were: stored out of line, uncompressed.
    expect(await compressions()).toEqual([lz4 ? 'lz4' : null]);
    expect(await readAll(first.length)).toEqual(first.map(({ topic, key, value, headers }) => ({ topic, key, value, headers })));

    await undoLastMigration(database.url, UP_TO_LZ4);
    const second = updatesOfABatch('b');
    await db.transaction((tx) => enqueue(tx, second));

    expect(await compressions()).toEqual([lz4 ? 'lz4' : null, null]);
    expect(await readAll(first.length + second.length)).toEqual([...first, ...second].map(({ topic, key, value, headers }) => ({ topic, key, value, headers })));
  });
});

describe('the processed-inputs retention migration', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('retention_migration');
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('adds the BRIN index and the summarizing function, and its down removes both', async () => {
    await runMigrations(database.url, 'store', [...EVENT_STORE_MIGRATIONS]);
    const db = new Database(database.url, 'store');
    try {
      const objects = async () =>
        (
          await db.query<{ name: string }>(
            `SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'store' AND indexname = 'processed_inputs_processed_at'
             UNION ALL SELECT proname FROM pg_proc WHERE proname = 'summarize_processed_inputs' AND pronamespace = 'store'::regnamespace`,
          )
        ).rows.map((row) => row.name);
      expect((await objects()).sort()).toEqual(['processed_inputs_processed_at', 'summarize_processed_inputs']);
      await undoLastMigration(database.url, EVENT_STORE_MIGRATIONS);
      expect(await objects()).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
