import { Queryable } from './database';

/** A message to publish once its transaction commits. value is the CloudEvent, stored as JSON. */
export interface OutboxMessage {
  readonly topic: string;
  readonly key: string | null;
  readonly value: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Writes messages to the outbox in one statement, inside the caller's transaction. */
export async function enqueue(tx: Queryable, messages: readonly OutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await tx.query(
    `INSERT INTO outbox (topic, message_key, value, headers)
     SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::jsonb[])`,
    [
      messages.map((message) => message.topic),
      messages.map((message) => message.key),
      messages.map((message) => JSON.stringify(message.value)),
      messages.map((message) => JSON.stringify(message.headers ?? {})),
    ],
  );
}

export interface PendingOutboxMessage extends OutboxMessage {
  readonly transactionId: string;
  readonly position: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Committed outbox rows after a checkpoint, in commit order (see readAllCommitted for why). */
export async function readOutbox(q: Queryable, after: { transactionId: string; position: string }, limit: number): Promise<PendingOutboxMessage[]> {
  const result = await q.query<{
    transaction_id: string;
    position: string;
    topic: string;
    message_key: string | null;
    value: unknown;
    headers: Record<string, string>;
  }>(
    `SELECT transaction_id::text, position, topic, message_key, value, headers
     FROM outbox
     WHERE (transaction_id, position) > ($1::xid8, $2::bigint)
       AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
     -- Qualified: a bare name would sort by the output column, the id as text ('10' before '9'), without the index.
     ORDER BY outbox.transaction_id, outbox.position
     LIMIT $3`,
    [after.transactionId, after.position, limit],
  );
  return result.rows.map((row) => ({
    transactionId: row.transaction_id,
    position: row.position,
    topic: row.topic,
    key: row.message_key,
    value: row.value,
    headers: row.headers,
  }));
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
 */
export async function recordPublished(q: Queryable, relay: string, upTo: { transactionId: string; position: string }): Promise<void> {
  await q.query(
    `WITH saved AS (
       INSERT INTO outbox_checkpoint (relay, transaction_id, position) VALUES ($1, $2::xid8, $3)
       ON CONFLICT (relay) DO UPDATE SET transaction_id = EXCLUDED.transaction_id, position = EXCLUDED.position, updated_at = now()
       RETURNING 1
     )
     DELETE FROM outbox WHERE (transaction_id, position) <= ($2::xid8, $3::bigint)`,
    [relay, upTo.transactionId, upTo.position],
  );
}
