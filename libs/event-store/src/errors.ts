/** An append whose expected version no longer matches the stream: someone else wrote first. */
export class ConcurrencyError extends Error {
  readonly code = 'EVENT_STORE.CONCURRENCY_CONFLICT';

  constructor(readonly streamIds: readonly string[]) {
    super(`expected version no longer matches for stream(s): ${streamIds.slice(0, 5).join(', ')}`);
    this.name = 'ConcurrencyError';
  }
}

const TRANSIENT_PG_CODES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
  '53300', // too_many_connections
]);

const TRANSIENT_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * A prepared statement whose result columns changed under it: a migration altered a column the
 * statement returns (as a newer instance of the service does during a rolling upgrade), and
 * PostgreSQL answers every later run of it on that connection with "cached plan must not change
 * result type" until the connection forgets it. The connection is let go (Database) and the work
 * retried on another, which prepares the statement afresh.
 */
export function isStalePreparedStatement(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === '0A000' && typeof message === 'string' && message.includes('cached plan must not change result type');
}

/**
 * Whether retrying the same work later can succeed: lost connections, restarts, conflicts, a
 * prepared statement gone stale under a migration. Everything else is a fault of the input or the
 * code and must not be retried forever.
 */
export function isTransientError(error: unknown): boolean {
  if (error instanceof ConcurrencyError || isStalePreparedStatement(error)) return true;
  // Not `instanceof Error`: Node's socket errors come from another realm than the code's under a VM (Jest).
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (TRANSIENT_PG_CODES.has(code) || TRANSIENT_NODE_CODES.has(code))) return true;
  return typeof message === 'string' && /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|terminating connection/i.test(message);
}
