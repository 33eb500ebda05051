import { runInNewContext } from 'node:vm';
import { ConcurrencyError, isStalePreparedStatement, isTransientError } from './errors';

describe('which errors are worth retrying', () => {
  it('retries lost connections, restarts and conflicts', () => {
    expect(isTransientError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isTransientError(Object.assign(new Error('the database system is starting up'), { code: '57P03' }))).toBe(true);
    expect(isTransientError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransientError(new ConcurrencyError(['sku-1']))).toBe(true);
  });

  it('retries a prepared statement a migration made stale, and no other unsupported feature', () => {
    const stale = Object.assign(new Error('cached plan must not change result type'), { code: '0A000' });
    expect(isStalePreparedStatement(stale)).toBe(true);
    expect(isTransientError(stale)).toBe(true);
    const unsupported = Object.assign(new Error('LOCK TABLE is not supported'), { code: '0A000' });
    expect(isStalePreparedStatement(unsupported)).toBe(false);
    expect(isTransientError(unsupported)).toBe(false);
  });

  it('recognises a socket error created in another realm, as Node core errors are under Jest', () => {
    const foreign: unknown = runInNewContext("Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })");
    expect(foreign instanceof Error).toBe(false);
    expect(isTransientError(foreign)).toBe(true);
  });

  it('does not retry faults of the input or the code', () => {
    expect(isTransientError(Object.assign(new Error('database "x" does not exist'), { code: '3D000' }))).toBe(false);
    expect(isTransientError(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(isTransientError(new TypeError('cannot read properties of undefined'))).toBe(false);
    expect(isTransientError('ECONNREFUSED')).toBe(false);
    expect(isTransientError(null)).toBe(false);
  });
});
