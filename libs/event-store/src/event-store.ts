import { ConcurrencyError } from './errors';
import { prepared, Queryable, runPrepared } from './database';
import { copyLine, copyRows } from './copy-rows';
import { chunksOf, ROWS_PER_STATEMENT } from './row-chunks';

export interface NewEvent {
  /** Unique per event; deterministic from its cause so a replayed input re-creates the same ids. */
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

export interface StoredEvent {
  readonly position: string;
  readonly transactionId: string;
  readonly streamId: string;
  readonly version: number;
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly recordedAt: Date;
}

export interface StreamAppend {
  readonly streamId: string;
  /** The version the writer decided against: 0 for a stream that does not exist yet. */
  readonly expectedVersion: number;
  readonly events: readonly NewEvent[];
}

/** A point in commit order: every row with a smaller (transactionId, position) was seen. */
export interface Checkpoint {
  readonly transactionId: string;
  readonly position: string;
}

export const START: Checkpoint = { transactionId: '0', position: '0' };

interface EventRow {
  position: string;
  transaction_id: string;
  stream_id: string;
  version: number;
  event_id: string;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  recorded_at: Date;
}

function toStoredEvent(row: EventRow): StoredEvent {
  return {
    position: row.position,
    transactionId: row.transaction_id,
    streamId: row.stream_id,
    version: row.version,
    id: row.event_id,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    recordedAt: row.recorded_at,
  };
}

/** Appends to one stream; see appendToStreams. Returns the stream's new version. */
export async function append(tx: Queryable, streamId: string, expectedVersion: number, events: readonly NewEvent[]): Promise<number> {
  await appendToStreams(tx, [{ streamId, expectedVersion, events }]);
  return expectedVersion + events.length;
}

/** Claims every stream's next versions (appendToStreams); exported for bench/micro/prepared-statements.ts. */
export const CLAIM_STREAMS = prepared(
  'restock_claim_streams',
  `WITH wanted AS (
     SELECT * FROM unnest($1::text[], $2::int[], $3::int[]) AS w(stream_id, expected, next)
   ), created AS (
     INSERT INTO streams (stream_id, version)
     SELECT stream_id, next FROM wanted WHERE expected = 0
     ON CONFLICT (stream_id) DO NOTHING
     RETURNING stream_id
   ), advanced AS (
     UPDATE streams s SET version = w.next FROM wanted w
     WHERE s.stream_id = w.stream_id AND w.expected > 0 AND s.version = w.expected
     RETURNING s.stream_id
   )
   SELECT stream_id FROM created UNION ALL SELECT stream_id FROM advanced`,
);

/**
 * Appends to many streams with optimistic concurrency: one statement claims every stream's next
 * versions, then the events are inserted in statements of ROWS_PER_STATEMENT rows. When any stream
 * is not at its expected version it throws ConcurrencyError before inserting anything and, because
 * the caller's transaction then rolls back, nothing of the batch is written. Must run inside a
 * transaction: the inserts of a large batch are several statements.
 */
export async function appendToStreams(tx: Queryable, appends: readonly StreamAppend[]): Promise<void> {
  const writes = appends.filter((write) => write.events.length > 0);
  if (writes.length === 0) return;
  const ids = writes.map((write) => write.streamId);
  if (new Set(ids).size !== ids.length) throw new Error('appendToStreams: one entry per stream');
  const claimed = await runPrepared<{ stream_id: string }>(tx, CLAIM_STREAMS, [
    ids,
    writes.map((write) => write.expectedVersion),
    writes.map((write) => write.expectedVersion + write.events.length),
  ]);
  if (claimed.rows.length !== writes.length) {
    const won = new Set(claimed.rows.map((row) => row.stream_id));
    throw new ConcurrencyError(ids.filter((id) => !won.has(id)));
  }
  for (const rows of chunksOf(eventRowsOf(writes), ROWS_PER_STATEMENT)) await insertEvents(tx, rows);
}

interface EventRowToInsert {
  readonly streamId: string;
  readonly version: number;
  readonly event: NewEvent;
}

function* eventRowsOf(writes: readonly StreamAppend[]): Generator<EventRowToInsert> {
  for (const write of writes) {
    for (const [index, event] of write.events.entries()) yield { streamId: write.streamId, version: write.expectedVersion + index + 1, event };
  }
}

const EVENT_COLUMNS = ['stream_id', 'version', 'event_id', 'type', 'data', 'metadata'];

/** JSON text of a value, or null (SQL NULL) for null and for what JSON cannot hold (undefined). */
function jsonOrNull(value: unknown): string | null {
  return value === null ? null : ((JSON.stringify(value) as string | undefined) ?? null);
}

// By COPY rather than INSERT: PostgreSQL parses COPY's rows with no statement per row and no JSON
// document around them (an INSERT from a json_to_recordset document lexed every event's JSON
// twice). Rows keep their order, so a stream's events keep their version order.
async function insertEvents(tx: Queryable, rows: readonly EventRowToInsert[]): Promise<void> {
  const text = rows
    .map(({ streamId, version, event }) => copyLine([streamId, version, event.id, event.type, jsonOrNull(event.data), jsonOrNull(event.metadata ?? {})]))
    .join('');
  await copyRows(tx, 'events', EVENT_COLUMNS, text);
}

export async function streamVersion(q: Queryable, streamId: string): Promise<number> {
  const result = await q.query<{ version: number }>('SELECT version FROM streams WHERE stream_id = $1', [streamId]);
  return result.rows[0]?.version ?? 0;
}

/** Where a stream stands: its version and the id of the event at it (null for a stream with no events). */
export interface StreamHead {
  readonly version: number;
  readonly lastEventId: string | null;
}

const STREAM_HEADS = prepared(
  'restock_stream_heads',
  `SELECT s.stream_id, s.version, e.event_id FROM streams s LEFT JOIN events e ON e.stream_id = s.stream_id AND e.version = s.version
   WHERE s.stream_id = ANY($1::text[])`,
);

/**
 * The heads of the given streams that exist, by stream id, in one query. A cache of states folded
 * from streams compares both parts: a state decided in a transaction that rolled back can have the
 * version of another writer's committed history, but not the id of its last event.
 */
export async function readStreamHeads(q: Queryable, streamIds: readonly string[]): Promise<Map<string, StreamHead>> {
  const result = await runPrepared<{ stream_id: string; version: number; event_id: string | null }>(q, STREAM_HEADS, [streamIds]);
  return new Map(result.rows.map((row) => [row.stream_id, { version: row.version, lastEventId: row.event_id }]));
}

export async function readStream(q: Queryable, streamId: string, afterVersion = 0): Promise<StoredEvent[]> {
  const result = await q.query<EventRow>(
    `SELECT position, transaction_id::text, stream_id, version, event_id, type, data, metadata, recorded_at
     FROM events WHERE stream_id = $1 AND version > $2 ORDER BY version`,
    [streamId, afterVersion],
  );
  return result.rows.map(toStoredEvent);
}

/**
 * Reads committed events in commit order after a checkpoint. Only transactions older than every
 * transaction still running are read, so a row whose bigserial position was taken before a row
 * already read, but committed after it, is never skipped.
 */
export async function readAllCommitted(q: Queryable, after: Checkpoint, limit: number): Promise<StoredEvent[]> {
  const result = await q.query<EventRow>(
    `SELECT position, transaction_id::text, stream_id, version, event_id, type, data, metadata, recorded_at
     FROM events
     WHERE (transaction_id, position) > ($1::xid8, $2::bigint)
       AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
     -- Qualified: a bare name would sort by the output column, the id as text ('10' before '9'), without the index.
     ORDER BY events.transaction_id, events.position
     LIMIT $3`,
    [after.transactionId, after.position, limit],
  );
  return result.rows.map(toStoredEvent);
}

/**
 * Reads every event visible to the caller's snapshot after a checkpoint, without waiting for older
 * transactions. Only safe while the caller holds a lock that keeps the writers of the events it
 * cares about out (a replay's final catch-up holds the live tables' lock): then no event of theirs
 * can still commit behind the checkpoint.
 */
export async function readAllVisible(q: Queryable, after: Checkpoint, limit: number): Promise<StoredEvent[]> {
  const result = await q.query<EventRow>(
    `SELECT position, transaction_id::text, stream_id, version, event_id, type, data, metadata, recorded_at
     FROM events
     WHERE (transaction_id, position) > ($1::xid8, $2::bigint)
     -- Qualified: a bare name would sort by the output column, the id as text ('10' before '9'), without the index.
     ORDER BY events.transaction_id, events.position
     LIMIT $3`,
    [after.transactionId, after.position, limit],
  );
  return result.rows.map(toStoredEvent);
}

export function checkpointOf(event: { transactionId: string; position: string }): Checkpoint {
  return { transactionId: event.transactionId, position: event.position };
}
