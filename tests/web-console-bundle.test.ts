import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * The console's budget, two ways: its first load (dist/web as tests/support/webBuild.ts built it)
 * without the Reports page and uPlot, a chunk fetched only when that page opens; and its own code
 * (dependencies such as the tRPC client left out), so a library update does not eat the budget of
 * the console's code, nor the reverse.
 */

const BUDGET_BYTES = 40 * 1024;
const ROOT = resolve(import.meta.dirname, '..');
const ASSETS = resolve(ROOT, 'dist/web/console/assets');

/** The entry named by index.html and every chunk it imports statically, transitively. */
function firstLoad(entry: string, seen = new Set<string>()): Set<string> {
  seen.add(entry);
  const code = readFileSync(join(ASSETS, entry), 'utf8');
  for (const [, name] of code.matchAll(/(?:import|from)\s*["']\.\/([\w.-]+\.js)["']/g)) if (!seen.has(name!)) firstLoad(name!, seen);
  return seen;
}

describe('console bundle', () => {
  const html = readFileSync(resolve(ASSETS, '../index.html'), 'utf8');
  const entry = /\/console\/assets\/(console-[\w]+\.js)/.exec(html)![1]!;

  it(`loads at most ${BUDGET_BYTES / 1024} KB gzipped before any page opens, without uPlot`, () => {
    const files = [...firstLoad(entry)];
    const code = files.map((file) => readFileSync(join(ASSETS, file), 'utf8')).join('\n');
    const gzipped = files.reduce((total, file) => total + gzipSync(readFileSync(join(ASSETS, file)), { level: 9 }).length, 0);
    console.info(`console first load: ${files.join(', ')}: ${gzipped} bytes gzipped (budget ${BUDGET_BYTES})`);
    expect(gzipped).toBeLessThanOrEqual(BUDGET_BYTES);
    expect(code).not.toContain('u-legend');
    // The reports page is imported on demand.
    expect(code).toMatch(/import\(["']\.\/reportsPage-[\w]+\.js["']\)/);
  });

  it('the reports chunk carries uPlot', () => {
    const chunk = /import\(["']\.\/(reportsPage-[\w]+\.js)["']\)/.exec(readFileSync(join(ASSETS, entry), 'utf8'))![1]!;
    const code = readFileSync(join(ASSETS, chunk), 'utf8');
    expect(code).toContain('u-legend');
    console.info(`${chunk}: ${gzipSync(code, { level: 9 }).length} bytes gzipped`);
  });

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
});
