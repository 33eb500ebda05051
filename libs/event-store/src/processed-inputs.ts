import { Queryable } from './database';

/**
 * Records input ids as processed by a consumer and returns the ids that were new. Called in the
 * transaction that holds the inputs' effects, so an id is recorded if and only if its effects are.
 * A concurrent transaction recording the same id waits for this one and then sees it as taken.
 */
export async function claimInputs(tx: Queryable, consumer: string, inputIds: readonly string[]): Promise<Set<string>> {
  if (inputIds.length === 0) return new Set();
  const result = await tx.query<{ input_id: string }>(
    `INSERT INTO processed_inputs (consumer, input_id)
     SELECT $1, id FROM unnest($2::text[]) AS id
     ON CONFLICT DO NOTHING
     RETURNING input_id`,
    [consumer, inputIds],
  );
  return new Set(result.rows.map((row) => row.input_id));
}

/** Which of the ids a consumer has already processed (for dry runs of a replay). */
export async function processedAmong(q: Queryable, consumer: string, inputIds: readonly string[]): Promise<Set<string>> {
  if (inputIds.length === 0) return new Set();
  const result = await q.query<{ input_id: string }>(
    'SELECT input_id FROM processed_inputs WHERE consumer = $1 AND input_id = ANY($2::text[])',
    [consumer, inputIds],
  );
  return new Set(result.rows.map((row) => row.input_id));
}
