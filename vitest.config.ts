import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 90_000,
    globalSetup: ['tests/support/globalSetup.ts', 'tests/support/webBuild.ts'],
    reporters: ['default'],
  },
});
