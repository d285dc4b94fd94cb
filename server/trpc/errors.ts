import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import type { ErrorCode } from '../../shared/errors.js';
import { toAppError } from '../errors.js';

/** The one mapping from the AppError vocabulary to tRPC codes (and so HTTP statuses). */
export const TRPC_CODE: Record<ErrorCode, TRPC_ERROR_CODE_KEY> = {
  VALIDATION: 'BAD_REQUEST',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  // 409, as the HTTP chat API answers a closed chat.
  CLOSED: 'CONFLICT',
  RATE_LIMITED: 'TOO_MANY_REQUESTS',
  UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
};

/**
 * Turns what a service threw into a TRPCError with the matching code. An AppError keeps its
 * code and message; anything else becomes INTERNAL (or UNAVAILABLE) without its internals,
 * the original kept as the cause for the log.
 */
export function toTRPCError(thrown: unknown): TRPCError {
  if (thrown instanceof TRPCError && thrown.code !== 'INTERNAL_SERVER_ERROR') return thrown;
  const cause = thrown instanceof TRPCError ? (thrown.cause ?? thrown) : thrown;
  const error = toAppError(cause);
  return new TRPCError({ code: TRPC_CODE[error.code], message: error.message, cause: error });
}
