import { CanActivate, createParamDecorator, ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ServiceConfig } from '../config';
import { SERVICE_CONFIG } from '../tokens';

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const FINGERPRINT_HEX_LENGTH = 12;

interface OperatorRequest {
  headers: Record<string, string | string[] | undefined>;
  operatorFingerprint?: string;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Names a token in the audit without revealing it: the start of its SHA-256. */
export function tokenFingerprint(token: string): string {
  return `sha256:${digest(token).toString('hex').slice(0, FINGERPRINT_HEX_LENGTH)}`;
}

/**
 * Lets a request through only with `Authorization: Bearer <RESTOCK_OPERATOR_TOKEN>`: 401 without
 * a bearer token, 403 with another one, 403 for everyone when the service has no token. Digests of
 * equal length are compared in constant time, so the answer time tells nothing about the token.
 */
@Injectable()
export class OperatorGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(@Inject(SERVICE_CONFIG) config: ServiceConfig) {
    this.expected = config.operatorToken === null ? null : digest(config.operatorToken);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<OperatorRequest>();
    if (this.expected === null) {
      throw new ForbiddenException({ statusCode: 403, error: 'Forbidden', code: 'OPERATOR.DISABLED', message: 'operator endpoints are disabled' });
    }
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? BEARER.exec(header) : null;
    if (!match) {
      throw new UnauthorizedException({ statusCode: 401, error: 'Unauthorized', code: 'OPERATOR.TOKEN_MISSING', message: 'send Authorization: Bearer <operator token>' });
    }
    if (!timingSafeEqual(digest(match[1]!), this.expected)) {
      throw new ForbiddenException({ statusCode: 403, error: 'Forbidden', code: 'OPERATOR.TOKEN_REJECTED', message: 'the operator token is not valid' });
    }
    request.operatorFingerprint = tokenFingerprint(match[1]!);
    return true;
  }
}

/** The fingerprint of the token the OperatorGuard accepted. */
export const OperatorFingerprint = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const fingerprint = context.switchToHttp().getRequest<OperatorRequest>().operatorFingerprint;
  if (!fingerprint) throw new Error('OperatorFingerprint used on a route without the OperatorGuard');
  return fingerprint;
});
