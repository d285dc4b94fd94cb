import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../server/config.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('configuration', () => {
  it('REDIS_PREFIX defaults to atende and takes a deployment name', () => {
    expect(loadConfig({}).REDIS_PREFIX).toBe('atende');
    expect(loadConfig({ REDIS_PREFIX: 'loja-staging.2' }).REDIS_PREFIX).toBe('loja-staging.2');
  });

  it('a REDIS_PREFIX that could share channels with another is refused, naming the variable', () => {
    for (const bad of ['', 'a:b', 'a#b', 'with space', 'x'.repeat(65), 'atende-request', 'atende-response']) {
      expect(problems({ REDIS_PREFIX: bad }), bad).toEqual([expect.stringMatching(/^REDIS_PREFIX: /)]);
    }
  });

  it('SHUTDOWN_DELAY_MS defaults to 0 (stop at once) and is refused past a minute or when not a number', () => {
    expect(loadConfig({}).SHUTDOWN_DELAY_MS).toBe(0);
    expect(loadConfig({ SHUTDOWN_DELAY_MS: '3000' }).SHUTDOWN_DELAY_MS).toBe(3000);
    for (const bad of ['-1', '60001', 'soon']) {
      expect(problems({ SHUTDOWN_DELAY_MS: bad }), bad).toEqual([expect.stringMatching(/^SHUTDOWN_DELAY_MS: /)]);
    }
  });

  it('SMTP_URL must be smtp:// or smtps://, and needs MAIL_FROM (PROTOCOL §9)', () => {
    expect(loadConfig({}).SMTP_URL).toBeUndefined();
    expect(loadConfig({ SMTP_URL: 'smtps://u:p@mail.example:465', MAIL_FROM: 'Loja <a@loja.example>' })).toMatchObject({
      SMTP_URL: 'smtps://u:p@mail.example:465',
      MAIL_FROM: 'Loja <a@loja.example>',
    });
    expect(problems({ SMTP_URL: 'http://mail.example', MAIL_FROM: 'a@loja.example' })).toEqual([expect.stringMatching(/^SMTP_URL: /)]);
    expect(problems({ SMTP_URL: 'smtp://mail.example:25' })).toEqual([expect.stringMatching(/^MAIL_FROM: .*SMTP_URL/)]);
    expect(problems({ SMTP_URL: 'smtp://mail.example:25', MAIL_FROM: 'a@b.example\nBcc: x@y' })).toEqual([expect.stringMatching(/^MAIL_FROM: /)]);
  });
});
