import { Checkpoint, START } from './event-store';
import { Queryable } from './database';

/** A projection's checkpoint, read and written in the same transaction as its rows. */
export async function loadProjectionCheckpoint(q: Queryable, projection: string): Promise<Checkpoint> {
  const result = await q.query<{ transaction_id: string; position: string }>(
    'SELECT transaction_id::text, position FROM projection_checkpoints WHERE projection = $1',
    [projection],
  );
  const row = result.rows[0];
  return row ? { transactionId: row.transaction_id, position: row.position } : START;
}

export async function saveProjectionCheckpoint(q: Queryable, projection: string, checkpoint: Checkpoint): Promise<void> {
  await q.query(
    `INSERT INTO projection_checkpoints (projection, transaction_id, position) VALUES ($1, $2::xid8, $3)
     ON CONFLICT (projection) DO UPDATE SET transaction_id = EXCLUDED.transaction_id, position = EXCLUDED.position, updated_at = now()`,
    [projection, checkpoint.transactionId, checkpoint.position],
  );
}
