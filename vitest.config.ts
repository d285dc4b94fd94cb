import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks',
    // Most files wait (on child nodes, databases, a browser) more than they compute: on a
    // 2-core machine vitest's default (cores - 1) ran them one at a time, over CI's 20 minutes.
    maxWorkers: 3,
    // Generous: tests assert what happens, never how fast; a busy machine (a benchmark beside the suite) may take long.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    globalSetup: ['tests/support/globalSetup.ts', 'tests/support/webBuild.ts'],
    reporters: ['default'],
  },
});
