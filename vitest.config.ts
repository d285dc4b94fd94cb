import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks',
    // Three files at a time on two cores: most of a file's time is spent waiting on child
    // processes, databases and a browser. One at a time took over 20 minutes here.
    maxWorkers: 3,
    // Generous: tests assert what happens, never how fast; a busy machine (a benchmark beside the suite) may take long.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    globalSetup: ['tests/support/globalSetup.ts', 'tests/support/webBuild.ts', 'tests/support/serverBuild.ts'],
    reporters: ['default'],
  },
});
