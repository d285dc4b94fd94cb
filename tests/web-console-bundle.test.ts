import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { expect, it } from 'vitest';

/**
 * The console's own code stays within its budget: 40 KB gzipped, its dependencies (the tRPC
 * client) left out, minified as scripts/build.mjs ships it. Measured apart from the dependencies
 * so a library update does not eat the budget of the console's code, nor the reverse.
 */

const BUDGET_BYTES = 40 * 1024;
const ROOT = resolve(import.meta.dirname, '..');

it(`the console's own code is at most ${BUDGET_BYTES / 1024} KB gzipped`, async () => {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ['web/console/main.ts'],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome100', 'firefox100', 'safari15', 'edge100'],
    packages: 'external',
    outdir: 'out',
    write: false,
    logLevel: 'silent',
  });
  const js = result.outputFiles.find((file) => file.path.endsWith('.js'))!.contents;
  const css = result.outputFiles.find((file) => file.path.endsWith('.css'))?.contents ?? new Uint8Array();
  const gzipped = gzipSync(js, { level: 9 }).length + gzipSync(css, { level: 9 }).length;
  console.info(`console (own code): ${js.length + css.length} bytes, ${gzipped} gzipped (budget ${BUDGET_BYTES})`);
  expect(gzipped).toBeLessThanOrEqual(BUDGET_BYTES);
});
