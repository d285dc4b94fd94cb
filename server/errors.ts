import type { z } from 'zod';
import type { ErrorBody, ErrorCode, FieldErrors } from '../shared/errors.js';

/** The one error type services throw; each transport maps it with `toErrorBody`. */
export class AppError extends Error {
  readonly fields?: FieldErrors;
  readonly retryAfterMs?: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: { fields?: FieldErrors; cause?: unknown; retryAfterMs?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    if (options.fields) this.fields = options.fields;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/** Turns a zod failure into a VALIDATION error whose `fields` name each bad field once. */
export function validationError(error: z.ZodError): AppError {
  const fields: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length > 0 ? issue.path.map(String).join('.') : 'payload';
    fields[key] ??= issue.message;
  }
  return new AppError('VALIDATION', 'Invalid input', { fields });
}

export const HTTP_STATUS: Record<ErrorCode, number> = {
  VALIDATION: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  CLOSED: 409,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections: the server is full for now
  '08000',
  '08001',
  '08003',
  '08006',
]);

function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current = error;
  while (current && chain.length < 8) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

/** The SQLSTATE of a database error, looking through Drizzle's wrapping. */
export function sqlState(error: unknown): string | undefined {
  for (const link of causeChain(error)) {
    const code = (link as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** True when the database refused a row because a unique index already holds its key (23505). */
export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === '23505';
}

/** True when the error says the database cannot be reached (not that a query was wrong). */
export function isDatabaseUnavailable(error: unknown): boolean {
  return hasErrorCode(error, CONNECTION_ERROR_CODES);
}

/** True when the error, or one it wraps (`cause`, as Drizzle does), carries one of `codes`. */
export function hasErrorCode(error: unknown, codes: ReadonlySet<string>): boolean {
  return causeChain(error).some((link) => {
    const code = (link as { code?: unknown }).code;
    return typeof code === 'string' && codes.has(code);
  });
}

/** Normalizes anything thrown into an AppError; unknown errors become INTERNAL without internals. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  // Class 22 (data exception: a number out of range, malformed text for a type) is a value the
  // schemas let through that the database refuses: the caller's input, not our fault.
  if (sqlState(error)?.startsWith('22')) {
    return new AppError('VALIDATION', 'A value is out of range or malformed', { cause: error, fields: { payload: 'Invalid value' } });
  }
  if (isDatabaseUnavailable(error)) {
    return new AppError('UNAVAILABLE', 'The service is temporarily unavailable, try again later', {
      cause: error,
    });
  }
  return new AppError('INTERNAL', 'Internal error', { cause: error });
}

export function toErrorBody(error: AppError): ErrorBody {
  const body: ErrorBody = { code: error.code, message: error.message };
  if (error.fields) body.fields = error.fields;
  if (error.retryAfterMs !== undefined) body.retryAfterMs = error.retryAfterMs;
  return body;
}
