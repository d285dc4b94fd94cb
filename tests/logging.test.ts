import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, maskPersonalData } from '../server/logger.js';

describe('logs keep secrets and personal data out', () => {
  it('masks e-mails and phone numbers in text', () => {
    expect(maskPersonalData('params: maria.silva@example.com,+5511987654321,Maria')).toBe(
      'params: m***@example.com,***21,Maria',
    );
    expect(maskPersonalData('call (11) 98765-4321 now')).toBe('call ***21 now');
    expect(maskPersonalData('ticket #123 seq 45')).toBe('ticket #123 seq 45');
  });

  it('masks fields and error messages and redacts tokens in real log lines', () => {
    let text = '';
    const sink = new Writable({
      write(chunk, _encoding, done) {
        text += chunk.toString();
        done();
      },
    });
    const logger = createLogger('info', sink);
    logger.info({ email: 'joao@example.com', phone: '+5511912345678', resumeToken: 'abc.def', token: 'atd_x' }, 'started');
    logger.error({ err: new Error('Failed query: insert … params: ana@example.org,+5521998765432') }, 'failed for ana@example.org');
    for (const secret of ['joao@example.com', '+5511912345678', 'abc.def', 'atd_x', 'ana@example.org', '+5521998765432']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('j***@example.com');
    expect(text).toContain('[redacted]');
  });
});
