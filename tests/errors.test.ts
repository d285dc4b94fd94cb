import { describe, expect, it } from 'vitest';
import { toAppError } from '../server/errors.js';

/** A driver error as postgres.js throws it, wrapped the way Drizzle wraps it. */
function databaseError(code: string) {
  return new Error('Failed query', { cause: Object.assign(new Error(`pg ${code}`), { code }) });
}

describe('database errors in the contract', () => {
  it('a server that is away or full answers UNAVAILABLE (retry later), not INTERNAL', () => {
    for (const code of ['53300', '57P03', '08006', 'ECONNREFUSED', 'CONNECT_TIMEOUT']) {
      expect(toAppError(databaseError(code)).code, code).toBe('UNAVAILABLE');
    }
  });

  it('a malformed value is VALIDATION; anything else INTERNAL without its text', () => {
    expect(toAppError(databaseError('22P02')).code).toBe('VALIDATION');
    const internal = toAppError(databaseError('42P01'));
    expect(internal.code).toBe('INTERNAL');
    expect(internal.message).toBe('Internal error');
  });
});
