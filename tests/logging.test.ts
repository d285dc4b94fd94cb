import { Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger, maskPersonalData } from '../server/logger.js';

function captureLogs() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, logger: createLogger('trace', sink), text: () => lines.join('\n') };
}

/** Things handed to a logger in the wild: driver errors as strings, odd causes, cycles, hostile objects. */
const oddErrors = fc.oneof(
  fc.anything({ withBoxedValues: true, withMap: true, withSet: true, withObjectString: true, withNullPrototype: true }),
  fc.string().map((message) => new Error(message)),
  fc.anything().map((cause) => new Error('with a cause', { cause })),
  fc.constant(
    (() => {
      const error = new Error('cycle') as Error & { cause?: unknown; self?: unknown };
      error.cause = error;
      error.self = { error };
      return error;
    })(),
  ),
  fc.constant(
    (() => {
      const error = new Error('getter');
      Object.defineProperty(error, 'cause', { get: () => { throw new Error('boom'); }, enumerable: true });
      Object.defineProperty(error, 'extra', { get: () => { throw new Error('boom'); }, enumerable: true });
      return error;
    })(),
  ),
  fc.constant({ message: 42, stack: null }),
  fc.constant({ name: 'NotAnError' }),
  fc.constant(Object.create(null) as object),
  fc.constant(Symbol('s')),
  fc.constant(10n),
  fc.constant({ toString() { throw new Error('no'); }, toJSON() { throw new Error('no'); } }),
);

describe('logs keep secrets and personal data out', () => {
  it('masks e-mails and phone numbers in text', () => {
    expect(maskPersonalData('params: maria.silva@example.com,+5511987654321,Maria')).toBe(
      'params: m***@example.com,***21,Maria',
    );
    expect(maskPersonalData('call (11) 98765-4321 now')).toBe('call ***21 now');
    expect(maskPersonalData('ticket #123 seq 45')).toBe('ticket #123 seq 45');
  });

  it('masks fields and error messages and redacts tokens in real log lines', () => {
    const { logger, text } = captureLogs();
    logger.info({ email: 'joao@example.com', phone: '+5511912345678', resumeToken: 'abc.def', token: 'atd_x' }, 'started');
    logger.error({ err: new Error('Failed query: insert … params: ana@example.org,+5521998765432') }, 'failed for ana@example.org');
    for (const secret of ['joao@example.com', '+5511912345678', 'abc.def', 'atd_x', 'ana@example.org', '+5521998765432']) {
      expect(text()).not.toContain(secret);
    }
    expect(text()).toContain('j***@example.com');
    expect(text()).toContain('[redacted]');
  });
});

/** Values fast-check itself cannot hold (it inspects what it generates). */
const hostile = (): unknown =>
  new Proxy({}, {
    get() { throw new Error('trap'); },
    ownKeys() { throw new Error('trap'); },
    getPrototypeOf() { throw new Error('trap'); },
    has() { throw new Error('trap'); },
    getOwnPropertyDescriptor() { throw new Error('trap'); },
  });

describe('a logging call never throws', () => {
  it('an error given as a string (a Redis callback’s) is logged as its message, masked', () => {
    const { logger, lines } = captureLogs();
    expect(() => createLogger('info').warn({ err: 'Connection is closed.' }, 'x')).not.toThrow();
    logger.warn({ err: 'Connection to bia@example.com is closed.' }, 'publish failed');
    expect(JSON.parse(lines[0]!)).toMatchObject({ err: { message: 'Connection to b***@example.com is closed.' }, msg: 'publish failed' });
  });

  it('whatever it is given as err, as a field, or as the message', () => {
    const { logger, lines } = captureLogs();
    fc.assert(
      fc.property(oddErrors, fc.anything(), fc.string(), (err, field, message) => {
        const before = lines.length;
        expect(() => logger.error({ err, field }, message)).not.toThrow();
        expect(() => logger.warn(err as object)).not.toThrow();
        expect(() => logger.info({ nested: { err } }, message, err)).not.toThrow();
        expect(() => logger.child({ component: 'x' }).error({ err }, message)).not.toThrow();
        // Every call still wrote its line.
        expect(lines.length).toBe(before + 4);
      }),
      { numRuns: 400 },
    );
  });

  it('even given a Proxy whose every trap throws', () => {
    const { logger, lines } = captureLogs();
    expect(() => logger.error({ err: hostile() }, 'hostile err')).not.toThrow();
    expect(() => logger.error({ field: hostile() }, 'hostile field')).not.toThrow();
    expect(() => logger.error(hostile() as object, 'hostile object')).not.toThrow();
    expect(() => logger.error(new Error('with a hostile cause', { cause: hostile() }))).not.toThrow();
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual(['hostile err', 'hostile field', 'hostile object', expect.any(String)]);
  });
});
