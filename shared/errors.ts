/** The closed set of error codes every transport speaks (PROTOCOL §2). */
export const ERROR_CODES = [
  'VALIDATION',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  /** The change collides with what is stored (e.g. a value another customer already holds). */
  'CONFLICT',
  'CLOSED',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Field name → message, for VALIDATION errors. */
export type FieldErrors = Record<string, string>;

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  fields?: FieldErrors;
  /** With RATE_LIMITED: how long to wait before trying again. */
  retryAfterMs?: number;
}

/** The shape of every Socket.IO acknowledgement. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };
