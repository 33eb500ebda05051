import { ArgumentsHost, Catch } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { throwError } from 'rxjs';

/**
 * Nest's default RPC filter turns any error a Kafka handler throws into a plain `{status, message}`.
 * The Kafka transport needs the error itself to tell a passing fault (a version conflict, a lost
 * connection: retry) from a poison input (dead-letter it), so RPC errors pass through as they are;
 * HTTP errors get Nest's usual answers.
 */
@Catch()
export class RethrowToTransportFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost) {
    if (host.getType() === 'rpc') return throwError(() => exception);
    return super.catch(exception, host);
  }
}
