import { ReplayBusyError, ReplayLockTimeoutError } from '@restock/event-store';
import { UnknownTopicError } from '@restock/messaging';

/** The CLI's exit codes, as documented in docs/operators.md. */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  unreachable: 3,
  notFound: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the CLI explains in one line and maps to an exit code. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

const UNREACHABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);
// invalid_catalog_name (no such database), invalid_password, invalid_authorization_specification, cannot_connect_now
const UNREACHABLE_PG_CODES = new Set(['3D000', '28P01', '28000', '57P03']);

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = error; current && chain.length < 5; current = (current as { originalError?: unknown; cause?: unknown }).originalError ?? (current as { cause?: unknown }).cause) {
    chain.push(current);
  }
  return chain;
}

function isUnreachable(error: unknown): boolean {
  return causes(error).some((link) => {
    if (!(link instanceof Error)) return false;
    const code = (link as { code?: unknown }).code;
    if (typeof code === 'string' && (UNREACHABLE_NODE_CODES.has(code) || UNREACHABLE_PG_CODES.has(code))) return true;
    if (link.name === 'KafkaJSConnectionError' || link.name === 'KafkaJSBrokerNotFound') return true;
    return /Connection error|connection timeout|timeout exceeded when trying to connect|Connection terminated|Failed to connect/i.test(link.message);
  });
}

/** Maps any error to the exit code and the message the operator sees. */
export function classify(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof UnknownTopicError) return new CliError(EXIT.notFound, `unknown topic: ${error.topic}`);
  if (error instanceof ReplayBusyError || error instanceof ReplayLockTimeoutError) return new CliError(EXIT.failed, error.message);
  if (isUnreachable(error)) {
    const message = error instanceof Error ? error.message : String(error);
    return new CliError(EXIT.unreachable, `cannot reach Kafka or PostgreSQL: ${message}`);
  }
  // undefined_table: the service's schema has not been migrated in this database.
  if ((error as { code?: unknown })?.code === '42P01') {
    return new CliError(EXIT.notFound, `${(error as Error).message} (has the service run its migrations in this database?)`);
  }
  return new CliError(EXIT.failed, error instanceof Error ? error.message : String(error));
}
