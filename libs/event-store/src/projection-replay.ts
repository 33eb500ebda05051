import { setTimeout as sleep } from 'node:timers/promises';
import { Database, Queryable } from './database';
import { Checkpoint, readAllCommitted, readAllVisible, START, StoredEvent } from './event-store';
import { assertIdentifier, Projection, TableChecksum } from './projection';
import { saveProjectionCheckpoint, loadProjectionCheckpoint } from './projection-checkpoints';

/** The rebuilt copy of a table is `<table>_rebuild`; after a swap the old one stays as `<table>_replaced`. */
export const REPLAY_SUFFIX = '_rebuild';
export const REPLACED_SUFFIX = '_replaced';
export const REPLAY_BATCH_EVENTS_MAX = 5_000;
/** How long the last stretch of a replay keeps asking for the live tables' locks before it gives up. */
export const REPLAY_LOCK_WAIT_MS_MAX = 60_000;
const LOCK_RETRY_DELAY_MS_MAX = 100;
/** PostgreSQL's lock_not_available: a LOCK ... NOWAIT found a conflicting lock. */
const LOCK_NOT_AVAILABLE = '55P03';

export interface ReplayProgress {
  readonly projection: string;
  readonly eventsRead: number;
  /** The number of events in the store when the replay began; live traffic adds more. */
  readonly eventsTotal: number;
}

export interface TableComparison {
  readonly table: string;
  readonly live: TableChecksum;
  readonly rebuilt: TableChecksum;
  readonly equal: boolean;
}

export interface ProjectionReplayResult {
  readonly service: string;
  readonly projection: string;
  readonly tables: readonly TableComparison[];
  readonly equal: boolean;
  readonly eventsRead: number;
  readonly durationMs: number;
  readonly eventsPerSecond: number;
  readonly swapped: boolean;
}

export interface ReplayOptions {
  /** Replace the live tables by the rebuilt ones (in one transaction), whether or not they differ. */
  readonly swap?: boolean;
  readonly batchSizeMax?: number;
  /** How long to keep trying for the live tables' locks; REPLAY_LOCK_WAIT_MS_MAX when absent. */
  readonly lockWaitMsMax?: number;
  readonly onProgress?: (progress: ReplayProgress) => void;
}

/** Another replay of the same projection holds its lock. */
export class ReplayBusyError extends Error {
  constructor(projection: string) {
    super(`a replay of ${projection} is already running`);
    this.name = 'ReplayBusyError';
  }
}

/** The live tables stayed locked by writers for longer than the replay was willing to wait. */
export class ReplayLockTimeoutError extends Error {
  constructor(projection: string, waitedMs: number) {
    super(`the live tables of ${projection} stayed busy for ${Math.round(waitedMs)} ms; try again when traffic is lower`);
    this.name = 'ReplayLockTimeoutError';
  }
}

function checkpointName(projection: Projection): string {
  return `replay:${projection.service}.${projection.name}`;
}

/**
 * Rebuilds a projection from the event store into shadow tables while live traffic keeps flowing,
 * then compares them with the live tables and, when asked, swaps them in.
 *
 * The bulk of the events is read in commit order in batches of their own transactions, each saving
 * the checkpoint with the rows it wrote. The last stretch runs in one transaction that first locks
 * the live tables against writers (the services write their read models in the transaction of the
 * events): from then on both sides stand on the same events, so the checksums compare like for like.
 */
export async function replayProjection(db: Database, projection: Projection, options: ReplayOptions = {}): Promise<ProjectionReplayResult> {
  const started = performance.now();
  const lock = await db.pool.connect();
  const lockKey = `restock.replay.${db.schema}.${projection.name}`;
  try {
    const locked = await lock.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [lockKey]);
    if (!locked.rows[0]?.locked) throw new ReplayBusyError(`${projection.service}.${projection.name}`);
    try {
      const eventsTotal = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM events')).rows[0]?.n ?? 0);
      await prepareShadow(db, projection);
      const caughtUp = await catchUp(db, projection, options, eventsTotal);
      const { comparisons: final, eventsRead: lastStretch } = await finishWhenUnlocked(db, projection, options);
      const eventsRead = caughtUp + lastStretch;
      options.onProgress?.({ projection: projection.name, eventsRead, eventsTotal });
      const durationMs = performance.now() - started;
      return {
        service: projection.service,
        projection: projection.name,
        tables: final,
        equal: final.every((table) => table.equal),
        eventsRead,
        durationMs,
        eventsPerSecond: durationMs > 0 ? Math.round((eventsRead * 1000) / durationMs) : eventsRead,
        swapped: options.swap === true,
      };
    } finally {
      await lock.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [lockKey]);
    }
  } finally {
    lock.release();
  }
}

async function prepareShadow(db: Database, projection: Projection): Promise<void> {
  await db.transaction(async (tx) => {
    for (const table of projection.tables) await tx.query(`DROP TABLE IF EXISTS ${assertIdentifier(table + REPLAY_SUFFIX)}`);
    await tx.query('DELETE FROM projection_checkpoints WHERE projection = $1', [checkpointName(projection)]);
    await projection.createShadow(tx, REPLAY_SUFFIX);
    await saveProjectionCheckpoint(tx, checkpointName(projection), START);
  });
}

async function applyBatch(tx: Queryable, projection: Projection, after: Checkpoint, events: readonly StoredEvent[]): Promise<Checkpoint> {
  if (events.length === 0) return after;
  await projection.apply(tx, events, REPLAY_SUFFIX);
  const last = events[events.length - 1]!;
  const checkpoint = { transactionId: last.transactionId, position: last.position };
  await saveProjectionCheckpoint(tx, checkpointName(projection), checkpoint);
  return checkpoint;
}

/** Reads the committed events batch by batch, each batch in its own transaction with its checkpoint. */
async function catchUp(db: Database, projection: Projection, options: ReplayOptions, eventsTotal: number): Promise<number> {
  const batchSizeMax = options.batchSizeMax ?? REPLAY_BATCH_EVENTS_MAX;
  let eventsRead = 0;
  for (;;) {
    const count = await db.transaction(async (tx) => {
      // A batch lost in a crash is read again from the checkpoint it was saved with, so a replay
      // need not wait for every batch to reach the disk; that wait was most of its time.
      await tx.query('SET LOCAL synchronous_commit = off');
      const after = await loadProjectionCheckpoint(tx, checkpointName(projection));
      const events = await readAllCommitted(tx, after, batchSizeMax);
      await applyBatch(tx, projection, after, events);
      return events.length;
    });
    eventsRead += count;
    options.onProgress?.({ projection: projection.name, eventsRead, eventsTotal: Math.max(eventsTotal, eventsRead) });
    if (count < batchSizeMax) return eventsRead;
  }
}

/**
 * Runs the last stretch once it holds every live table of the projection. The locks are asked for
 * with NOWAIT and the whole transaction is tried again when one is taken: a replay that waited
 * while holding some of them could deadlock with a service transaction that wrote another of them
 * first and then wants one the replay holds (services write several read models in one transaction,
 * in no fixed order). Never waiting while holding, the replay can never be part of a cycle.
 */
async function finishWhenUnlocked(db: Database, projection: Projection, options: ReplayOptions): Promise<{ comparisons: TableComparison[]; eventsRead: number }> {
  const started = performance.now();
  const waitMsMax = options.lockWaitMsMax ?? REPLAY_LOCK_WAIT_MS_MAX;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await db.transaction((tx) => finish(tx, projection, options));
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code !== LOCK_NOT_AVAILABLE) throw error;
      const waitedMs = performance.now() - started;
      if (waitedMs >= waitMsMax) throw new ReplayLockTimeoutError(`${projection.service}.${projection.name}`, waitedMs);
      await sleep(Math.random() * Math.min(LOCK_RETRY_DELAY_MS_MAX, 2 ** attempt));
    }
  }
}

async function finish(tx: Queryable, projection: Projection, options: ReplayOptions): Promise<{ comparisons: TableComparison[]; eventsRead: number }> {
  // A swap renames the live tables, which needs the strongest lock; take it at once rather than
  // upgrade a weaker one later, which could deadlock with a reader.
  const mode = options.swap ? 'ACCESS EXCLUSIVE' : 'SHARE';
  await tx.query(`LOCK TABLE ${projection.tables.map(assertIdentifier).join(', ')} IN ${mode} MODE NOWAIT`);
  let checkpoint = await loadProjectionCheckpoint(tx, checkpointName(projection));
  const batchSizeMax = options.batchSizeMax ?? REPLAY_BATCH_EVENTS_MAX;
  let eventsRead = 0;
  for (;;) {
    const events = await readAllVisible(tx, checkpoint, batchSizeMax);
    checkpoint = await applyBatch(tx, projection, checkpoint, events);
    eventsRead += events.length;
    if (events.length < batchSizeMax) break;
  }
  const comparisons: TableComparison[] = [];
  for (const table of projection.tables) {
    const live = await checksum(tx, projection, table, '');
    const rebuilt = await checksum(tx, projection, table, REPLAY_SUFFIX);
    comparisons.push({ table, live, rebuilt, equal: live.rows === rebuilt.rows && live.digest === rebuilt.digest });
  }
  if (options.swap) await swapIn(tx, projection);
  else for (const table of projection.tables) await tx.query(`DROP TABLE ${assertIdentifier(table + REPLAY_SUFFIX)}`);
  await tx.query('DELETE FROM projection_checkpoints WHERE projection = $1', [checkpointName(projection)]);
  return { comparisons, eventsRead };
}

async function checksum(tx: Queryable, projection: Projection, table: string, suffix: string): Promise<TableChecksum> {
  const result = await tx.query<{ rows: number; digest: string }>(projection.checksumSql(table, suffix));
  const row = result.rows[0]!;
  return { rows: Number(row.rows), digest: row.digest };
}

/**
 * The rebuilt tables take the live names; the previous live tables stay as `<table>_replaced`.
 * A new table carries no grants, so the privileges others held on the live table (the service's
 * runtime role) are given on the rebuilt one before it takes the name.
 */
async function swapIn(tx: Queryable, projection: Projection): Promise<void> {
  for (const table of projection.tables) {
    const live = assertIdentifier(table);
    const rebuilt = assertIdentifier(table + REPLAY_SUFFIX);
    const replaced = assertIdentifier(table + REPLACED_SUFFIX);
    const grants = await tx.query<{ grantee: string; privilege_type: string }>(
      `SELECT grantee, privilege_type FROM information_schema.role_table_grants
       WHERE table_schema = current_schema() AND table_name = $1 AND grantee <> current_user`,
      [live],
    );
    for (const grant of grants.rows) {
      await tx.query(`GRANT ${assertPrivilege(grant.privilege_type)} ON ${rebuilt} TO ${quoteRole(grant.grantee)}`);
    }
    await tx.query(`DROP TABLE IF EXISTS ${replaced}`);
    await tx.query(`ALTER TABLE ${live} RENAME TO ${replaced}`);
    await tx.query(`ALTER TABLE ${rebuilt} RENAME TO ${live}`);
  }
}

const TABLE_PRIVILEGES = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']);

function assertPrivilege(privilege: string): string {
  if (!TABLE_PRIVILEGES.has(privilege)) throw new Error(`unexpected table privilege ${privilege}`);
  return privilege;
}

function quoteRole(role: string): string {
  return role === 'PUBLIC' ? 'PUBLIC' : `"${role.replace(/"/g, '""')}"`;
}
