import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';

export type { Logger };

const EMAIL = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;
const PHONE = /(?:\+|\()?\d[\d\s().-]{6,}\d(\d{2})/g;

/** Hides e-mail addresses and phone numbers in free text: `m***@example.com`, `***21`. */
export function maskPersonalData(text: string): string {
  return text.replace(EMAIL, '$1***@$2').replace(PHONE, '***$1');
}

function maskValue(value: unknown): unknown {
  return typeof value === 'string' ? maskPersonalData(value) : value;
}

/** `String(value)` that cannot throw (a Proxy, a symbol, a throwing `toString`). */
function describe(value: unknown): string {
  try {
    return String(value);
  } catch {
    return `[unprintable ${typeof value}]`;
  }
}

/**
 * The `err` field, whatever a caller put there: an Error, an error-like object, a string (what a
 * driver's callback often hands over), null. Personal data in its text is masked.
 */
function serializeError(value: unknown): unknown {
  if (typeof value === 'string') return { message: maskPersonalData(value) };
  if (typeof value !== 'object' || value === null) return { message: maskPersonalData(describe(value)) };
  try {
    const serialized = stdSerializers.err(value as Error) as unknown;
    if (typeof serialized !== 'object' || serialized === null || typeof (serialized as { message?: unknown }).message !== 'string') {
      return { type: typeof value, message: maskPersonalData(describe(value)) };
    }
    const error = serialized as { message: string; stack?: unknown };
    return {
      ...error,
      message: maskPersonalData(error.message),
      stack: typeof error.stack === 'string' ? maskPersonalData(error.stack) : undefined,
    };
  } catch {
    return { message: maskPersonalData(describe(value)) };
  }
}

/**
 * pino with secrets removed (tokens) and personal data masked (e-mails, phones), including in
 * error messages — a failed query's message carries its parameters. A logging call never
 * throws: it runs inside error handlers and socket callbacks, where a throw kills the process.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'atende' },
    redact: {
      paths: [
        'resumeToken',
        '*.resumeToken',
        'token',
        '*.token',
        'authorization',
        '*.authorization',
        'req.headers.authorization',
        'identityHash',
        '*.identityHash',
      ],
      censor: '[redacted]',
    },
    serializers: {
      err: serializeError,
      email: maskValue,
      phone: maskValue,
      userEmail: maskValue,
      userPhone: maskValue,
    },
    hooks: {
      logMethod(args, method) {
        try {
          const masked = args.map((arg) => (typeof arg === 'string' ? maskPersonalData(arg) : arg));
          method.apply(this, masked as Parameters<typeof method>);
        } catch (failure) {
          // What was given could not be written (a throwing getter, a hostile Proxy): keep the
          // line's text and say why, rather than lose the line or throw into the caller.
          try {
            const text = args.find((arg): arg is string => typeof arg === 'string');
            const write = method as (this: unknown, fields: object, message: string) => void;
            write.call(this, { logFailure: maskPersonalData(describe(failure)) }, maskPersonalData(text ?? 'log line could not be serialized'));
          } catch {
            // Nothing left to do that cannot throw.
          }
        }
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
