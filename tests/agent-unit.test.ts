import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { AppError } from '../server/errors.js';
import { toTRPCError } from '../server/trpc/errors.js';

describe('AppError → tRPC code mapping', () => {
  it('keeps typed errors, maps the vocabulary, hides internals', () => {
    expect(toTRPCError(new AppError('CLOSED', 'This chat is closed'))).toMatchObject({ code: 'CONFLICT', message: 'This chat is closed' });
    expect(toTRPCError(new AppError('VALIDATION', 'Invalid input')).code).toBe('BAD_REQUEST');
    expect(toTRPCError(new AppError('NOT_FOUND', 'No such ticket')).code).toBe('NOT_FOUND');
    expect(toTRPCError(new AppError('FORBIDDEN', 'No')).code).toBe('FORBIDDEN');
    const typed = new TRPCError({ code: 'UNAUTHORIZED', message: 'who?' });
    expect(toTRPCError(typed)).toBe(typed);
    // tRPC wraps what a resolver throws as INTERNAL with the original as cause: unwrapped here.
    const wrapped = new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: new AppError('NOT_FOUND', 'No such customer') });
    expect(toTRPCError(wrapped)).toMatchObject({ code: 'NOT_FOUND', message: 'No such customer' });
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(toTRPCError(down).code).toBe('SERVICE_UNAVAILABLE');
    const bug = toTRPCError(new Error('column "secret" does not exist'));
    expect(bug).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', message: 'Internal error' });
  });
});
