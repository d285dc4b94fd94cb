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
});
