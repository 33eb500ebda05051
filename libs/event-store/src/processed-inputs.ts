import { prepared, Queryable, runPrepared } from './database';

/** The most rows one prune statement deletes: each statement is its own short transaction. */
export const PRUNE_ROWS_PER_STATEMENT = 10_000;

// DISTINCT: an upsert may touch a row once per statement, and a batch can hold an id twice.
// xmax is 0 on a row this statement inserted and the locking transaction on one it updated. Only
// the ids already there come back: nearly always none, where every id of the batch used to come
// back as a row for the consumer to read.
export const CLAIM_INPUTS = prepared(
  'restock_claim_inputs',
  `WITH claimed AS (
     INSERT INTO processed_inputs (consumer, input_id)
     SELECT DISTINCT $1, id FROM unnest($2::text[]) AS id
     ON CONFLICT (consumer, input_id) DO UPDATE SET processed_at = now()
     RETURNING input_id, xmax = 0 AS inserted
   )
   SELECT input_id FROM claimed WHERE NOT inserted`,
);

/**
 * Records input ids as processed by a consumer and returns the ids that were new. Called in the
 * transaction that holds the inputs' effects, so an id is recorded if and only if its effects are.
 * A concurrent transaction recording the same id waits for this one and then sees it as taken.
 *
 * An id delivered again has its `processed_at` moved to now: the delivery that brought it (a
 * replayed copy, say) can be delivered again for as long as its topic keeps it, and retention
 * (pruneProcessedInputs) counts from the latest delivery, not from the first.
 */
export async function claimInputs(tx: Queryable, consumer: string, inputIds: readonly string[]): Promise<Set<string>> {
  if (inputIds.length === 0) return new Set();
  const result = await runPrepared<{ input_id: string }>(tx, CLAIM_INPUTS, [consumer, inputIds]);
  const fresh = new Set(inputIds);
  for (const row of result.rows) fresh.delete(row.input_id);
  return fresh;
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

/**
 * Summarizes the page ranges of processed_inputs that its BRIN index on processed_at does not cover
 * yet (autovacuum does it too, where it runs); a prune reads every page of an unsummarized range.
 * Through a function owned by the schema's owner: the runtime role does not own the index.
 */
export async function summarizeProcessedInputs(q: Queryable): Promise<void> {
  await q.query('SELECT summarize_processed_inputs()');
}

/** Ids last delivered more than $2 milliseconds ago by the database's clock (the one that stamped them). */
const DELIVERED_BEFORE_KEEP = 'processed_at < now() - make_interval(secs => $2::double precision / 1000)';

function assertKeepMs(keepMs: number): void {
  if (!Number.isSafeInteger(keepMs) || keepMs < 0) throw new Error(`processed inputs: keepMs must be a whole number of milliseconds ≥ 0, got ${keepMs}`);
}

export interface ProcessedInputStats {
  readonly ids: number;
  /** The earliest and latest of the ids' latest deliveries; null when there are none. */
  readonly oldest: Date | null;
  readonly newest: Date | null;
  /** Ids last delivered more than keepMs ago; 0 when they are kept forever (keepMs null). */
  readonly pastKeep: number;
}

/** A consumer's ids: how many, the span of their latest deliveries, how many are past `keepMs`. */
export async function processedInputStats(q: Queryable, consumer: string, keepMs: number | null): Promise<ProcessedInputStats> {
  if (keepMs !== null) assertKeepMs(keepMs);
  const result = await q.query<ProcessedInputStats>(
    `SELECT count(*)::int AS ids, min(processed_at) AS oldest, max(processed_at) AS newest,
            count(*) FILTER (WHERE $2::bigint IS NOT NULL AND ${DELIVERED_BEFORE_KEEP})::int AS "pastKeep"
     FROM processed_inputs WHERE consumer = $1`,
    [consumer, keepMs],
  );
  return result.rows[0]!;
}

/**
 * Deletes at most `rowsMax` of a consumer's ids last delivered more than `keepMs` milliseconds ago
 * by the database's clock (the one that stamped them), and returns how many it deleted.
 */
export async function pruneProcessedInputs(q: Queryable, consumer: string, keepMs: number, rowsMax = PRUNE_ROWS_PER_STATEMENT): Promise<number> {
  assertKeepMs(keepMs);
  const result = await q.query(
    `DELETE FROM processed_inputs WHERE ctid = ANY(ARRAY(
       SELECT ctid FROM processed_inputs WHERE consumer = $1 AND ${DELIVERED_BEFORE_KEEP} LIMIT $3))`,
    [consumer, keepMs, rowsMax],
  );
  return result.rowCount ?? 0;
}
