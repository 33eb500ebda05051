import { Queryable } from './database';

/** A message to publish once its transaction commits. value is the CloudEvent, stored as JSON. */
export interface OutboxMessage {
  readonly topic: string;
  readonly key: string | null;
  readonly value: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * The most message bytes (keys and values) one outbox row holds. The relay publishes a row whole,
 * in one send of a Kafka transaction, so this stays within its bound for one send
 * (RELAY_SEND_BYTES_MAX, 512 KiB). A single larger message gets a row of its own.
 */
export const OUTBOX_ROW_BYTES_MAX = 256 * 1024;
/**
 * The most bytes (key and value) one message may have. The broker refuses a record batch over its
 * message.max.bytes (1 MiB by default, 1,048,588 bytes), and a larger message would hold up its
 * relay for good, retrying it; this leaves 48 KiB of that for the headers and the batch's framing.
 * Consumers dead-letter an input over 1 MiB (MESSAGE_BYTES_MAX), so nothing larger could be read either.
 */
export const OUTBOX_MESSAGE_BYTES_MAX = 1_000_000;
/** The most messages one outbox row holds. */
export const OUTBOX_ROW_MESSAGES_MAX = 1_000;
/** Rows per INSERT: a statement carries at most this many rows' text (2 MiB). */
export const OUTBOX_ROWS_PER_STATEMENT = 8;

/**
 * One outbox row: consecutive messages of one transaction, one per line. A line is the JSON array
 * [topic, key, headers], a tab, and the value's JSON. JSON.stringify never writes a raw newline or
 * tab, so both separators are unambiguous, and the relay cuts the value's text out of the line and
 * sends it without parsing it. One row per few hundred messages instead of one per message: the
 * database inserts, indexes and deletes one row and parses no JSON (docs/decisions.md, "Outbox rows").
 */
interface OutboxRowToInsert {
  readonly messageCount: number;
  readonly bytes: number;
  readonly text: string;
}

/** The bytes the relay counts for a message: its key and value, as Kafka carries them. */
function messageBytes(key: string | null, value: string): number {
  return Buffer.byteLength(value) + (key === null ? 0 : Buffer.byteLength(key));
}

function lineOf(message: OutboxMessage, value: string): string {
  return `${JSON.stringify([message.topic, message.key, message.headers ?? {}])}\t${value}`;
}

function* outboxRowsOf(messages: Iterable<OutboxMessage>): Generator<OutboxRowToInsert> {
  let lines: string[] = [];
  let bytes = 0;
  for (const message of messages) {
    const value = JSON.stringify(message.value) as string | undefined;
    if (value === undefined) throw new Error(`outbox: a message to ${message.topic} without a value`);
    const size = messageBytes(message.key, value);
    if (size > OUTBOX_MESSAGE_BYTES_MAX) throw new Error(`outbox: a message to ${message.topic} of ${size} bytes, over the ${OUTBOX_MESSAGE_BYTES_MAX} a Kafka record may carry`);
    if (lines.length > 0 && (bytes + size > OUTBOX_ROW_BYTES_MAX || lines.length === OUTBOX_ROW_MESSAGES_MAX)) {
      yield { messageCount: lines.length, bytes, text: lines.join('\n') };
      lines = [];
      bytes = 0;
    }
    lines.push(lineOf(message, value));
    bytes += size;
  }
  if (lines.length > 0) yield { messageCount: lines.length, bytes, text: lines.join('\n') };
}

/**
 * Writes messages to the outbox in the caller's transaction, in their order. The messages may be
 * produced lazily (a generator): a statement's worth of rows is built at a time. More than one
 * statement must run inside a transaction, or a failure could publish part of them.
 */
export async function enqueue(tx: Queryable, messages: Iterable<OutboxMessage>): Promise<void> {
  let rows: OutboxRowToInsert[] = [];
  for (const row of outboxRowsOf(messages)) {
    rows.push(row);
    if (rows.length === OUTBOX_ROWS_PER_STATEMENT) {
      await insertRows(tx, rows);
      rows = [];
    }
  }
  if (rows.length > 0) await insertRows(tx, rows);
}

// Text parameters travel as they are (an array parameter would be escaped element by element in
// JavaScript); the rows of one VALUES list take their positions in its order.
async function insertRows(tx: Queryable, rows: readonly OutboxRowToInsert[]): Promise<void> {
  const values = rows.map((_, index) => `($${index * 3 + 1}::int, $${index * 3 + 2}::int, $${index * 3 + 3}::text)`);
  await tx.query(
    `INSERT INTO outbox (message_count, bytes, messages) VALUES ${values.join(', ')}`,
    rows.flatMap((row) => [row.messageCount, row.bytes, row.text]),
  );
}

/** A message as the relay reads it: the value is the stored JSON text, sent as it is. */
export interface PendingOutboxMessage {
  readonly topic: string;
  readonly key: string | null;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** An outbox row as the relay reads it: its place in commit order and its messages, in order. */
export interface PendingOutboxRow {
  readonly transactionId: string;
  readonly position: string;
  readonly bytes: number;
  readonly messages: readonly PendingOutboxMessage[];
}

/** How much one readOutbox returns: whole rows, never less than one, within both bounds. */
export interface OutboxReadLimit {
  readonly messagesMax: number;
  readonly bytesMax: number;
}

/** Splits a row's text into its messages (see OutboxRowToInsert). */
export function messagesOfRow(text: string): PendingOutboxMessage[] {
  const messages: PendingOutboxMessage[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const tab = text.indexOf('\t', start);
    if (tab === -1 || tab > end) throw new Error('outbox row: a line without its tab');
    const [topic, key, headers] = JSON.parse(text.slice(start, tab)) as [string, string | null, Record<string, string>];
    messages.push({ topic, key, value: text.slice(tab + 1, end), headers });
    start = end + 1;
  }
  return messages;
}

/**
 * Committed outbox rows after a checkpoint, in commit order (see readAllCommitted for why): the
 * longest run of whole rows within the limit, and at least one row when there is one.
 */
export async function readOutbox(q: Queryable, after: { transactionId: string; position: string }, limit: OutboxReadLimit): Promise<PendingOutboxRow[]> {
  const result = await q.query<{ transaction_id: string; position: string; bytes: number; messages: string }>(
    // The running sums come from the window over the rows the index walk returns; a row the outer
    // filter drops is never detoasted.
    `SELECT transaction_id, position, bytes, messages FROM (
       SELECT transaction_id::text, position, bytes, messages,
              row_number() OVER run AS n, sum(message_count) OVER run AS messages_upto, sum(bytes) OVER run AS bytes_upto
       FROM outbox
       WHERE (transaction_id, position) > ($1::xid8, $2::bigint)
         AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       -- Qualified: a bare name would sort by the output column, the id as text ('10' before '9'), without the index.
       WINDOW run AS (ORDER BY outbox.transaction_id, outbox.position)
       ORDER BY outbox.transaction_id, outbox.position
       LIMIT $3
     ) r
     WHERE n = 1 OR (messages_upto <= $3 AND bytes_upto <= $4)
     ORDER BY n`,
    [after.transactionId, after.position, limit.messagesMax, limit.bytesMax],
  );
  return result.rows.map((row) => ({
    transactionId: row.transaction_id,
    position: row.position,
    bytes: row.bytes,
    messages: messagesOfRow(row.messages),
  }));
}

/**
 * Whether committed rows after the checkpoint exist that readOutbox does not return yet, because a
 * transaction that began before theirs is still open. They become readable when it ends.
 */
export async function hasOutboxAfter(q: Queryable, after: { transactionId: string; position: string }): Promise<boolean> {
  // Ordered with a limit, and not in EXISTS (which drops both), so the plan walks the index from the
  // checkpoint on. Otherwise the planner took a sequential scan, which reads every row published and
  // deleted since the last vacuum: 2 ms a call on a busy outbox, for an answer at the checkpoint.
  const result = await q.query(
    `SELECT 1 FROM outbox WHERE (transaction_id, position) > ($1::xid8, $2::bigint)
     ORDER BY outbox.transaction_id, outbox.position LIMIT 1`,
    [after.transactionId, after.position],
  );
  return result.rows.length > 0;
}

export async function loadOutboxCheckpoint(q: Queryable, relay: string): Promise<{ transactionId: string; position: string } | null> {
  const result = await q.query<{ transaction_id: string; position: string }>(
    'SELECT transaction_id::text, position FROM outbox_checkpoint WHERE relay = $1',
    [relay],
  );
  const row = result.rows[0];
  return row ? { transactionId: row.transaction_id, position: row.position } : null;
}

/**
 * Records what the relay has published and deletes those rows. The Kafka transaction already
 * holds the authoritative checkpoint; this copy survives Kafka's expiry of idle group offsets.
 *
 * `from`: the checkpoint the published rows came after, when every row at or behind it is already
 * deleted. The delete then reads only the published rows' stretch of the index. Without it, it reads
 * the index from its start, through the entries of every row deleted since the last vacuum: on a
 * busy outbox that grew with each batch, about 1 ms per batch after 20,000 rows.
 */
export async function recordPublished(
  q: Queryable,
  relay: string,
  upTo: { transactionId: string; position: string },
  from?: { transactionId: string; position: string },
): Promise<void> {
  const params: unknown[] = [relay, upTo.transactionId, upTo.position];
  let after = '';
  if (from !== undefined) {
    params.push(from.transactionId, from.position);
    after = ' AND (transaction_id, position) > ($4::xid8, $5::bigint)';
  }
  await q.query(
    `WITH saved AS (
       INSERT INTO outbox_checkpoint (relay, transaction_id, position) VALUES ($1, $2::xid8, $3)
       ON CONFLICT (relay) DO UPDATE SET transaction_id = EXCLUDED.transaction_id, position = EXCLUDED.position, updated_at = now()
       RETURNING 1
     )
     DELETE FROM outbox WHERE (transaction_id, position) <= ($2::xid8, $3::bigint)${after}`,
    params,
  );
}
