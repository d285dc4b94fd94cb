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

/**
 * pino with secrets removed (tokens) and personal data masked (e-mails, phones), including in
 * error messages — a failed query's message carries its parameters.
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
      err: (error: Error) => {
        const serialized = stdSerializers.err(error);
        return { ...serialized, message: maskPersonalData(serialized.message), stack: maskPersonalData(serialized.stack ?? '') };
      },
      email: maskValue,
      phone: maskValue,
      userEmail: maskValue,
      userPhone: maskValue,
    },
    hooks: {
      logMethod(args, method) {
        const masked = args.map((arg) => (typeof arg === 'string' ? maskPersonalData(arg) : arg));
        method.apply(this, masked as Parameters<typeof method>);
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
