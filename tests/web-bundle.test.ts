import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import examples from 'libphonenumber-js/mobile/examples';
import { getCountryCallingCode, type CountryCode } from 'libphonenumber-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toE164 } from '../shared/phone.js';
import { chatStartSchema } from '../shared/schemas.js';
// @ts-expect-error -- plain ESM build script without type declarations
import { buildWeb, leanWidgetDependencies } from '../scripts/build.mjs';
import { z as zodSubset } from '../web/widget/zodSubset.js';

/**
 * The widget's bundle: within its size budget, and — although scripts/build.mjs trims its
 * dependencies to get there — validating exactly like the server does.
 */

/** What a page with the widget downloads before the visitor does anything (gzipped). */
const BUDGET_BYTES = 60 * 1024;
const ROOT = resolve(import.meta.dirname, '..');
const WEB = join(ROOT, 'dist/web');

interface WidgetFiles {
  loader: string;
  entry: string;
  firstLoad: string[];
  lazy: Record<string, string[]>;
}

describe('widget bundle', () => {
  // dist/web is (re)built from the current sources by tests/support/webBuild.ts.
  const files = () => (JSON.parse(readFileSync(join(WEB, 'build.json'), 'utf8')) as { widget: WidgetFiles }).widget;
  /** Plain and gzipped sizes; the gzipped one is what browsers download (the precompressed twin). */
  const sizes = (file: string) => {
    const content = readFileSync(join(WEB, file));
    const gzipped = readFileSync(join(WEB, `${file}.gz`));
    expect(gzipped.length, file).toBeLessThanOrEqual(gzipSync(content, { level: 9 }).length);
    return { plain: content.length, gzipped: gzipped.length };
  };

  it(`its first load (widget.js, the entry and the chunks it imports) is at most ${BUDGET_BYTES / 1024} KB gzipped; lazy parts are listed apart`, () => {
    const { firstLoad, lazy, entry } = files();
    expect(firstLoad.slice(0, 2)).toEqual(['widget.js', entry]);
    let total = 0;
    for (const file of firstLoad) {
      const size = sizes(file);
      total += size.gzipped;
      console.info(`first load  ${file}: ${size.plain} bytes, ${size.gzipped} gzipped`);
    }
    console.info(`first load  total: ${total} gzipped (budget ${BUDGET_BYTES})`);
    for (const [part, partFiles] of Object.entries(lazy)) {
      for (const file of partFiles) {
        const size = sizes(file);
        console.info(`lazy ${part}  ${file}: ${size.plain} bytes, ${size.gzipped} gzipped`);
      }
    }
    expect(total).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it('widget.js imports exactly the first-load modules, and the queue part only on demand', () => {
    const { firstLoad, lazy, entry } = files();
    const loader = readFileSync(join(WEB, 'widget.js'), 'utf8');
    // A classic script (the embed tag has no type="module"): no static import/export in it.
    expect(loader).not.toMatch(/(^|[;}])\s*(import|export)\s*[{*"']/);
    for (const file of firstLoad.slice(1)) expect(loader).toContain(JSON.stringify(file));
    expect(lazy.queue?.length).toBeGreaterThan(0);
    const queueFile = lazy.queue![0]!;
    expect(queueFile).toMatch(/^widget\/assets\/queue-\w+\.js$/);
    expect(firstLoad).not.toContain(queueFile);
    expect(loader).not.toContain(queueFile.split('/').pop());
    // The entry names the part only in a dynamic import(); its words are not in the first load.
    const entrySource = readFileSync(join(WEB, entry), 'utf8');
    expect(entrySource).toContain(`import("./${queueFile.split('/').pop()}")`);
    for (const file of firstLoad) {
      const source = readFileSync(join(WEB, file), 'utf8');
      expect(source, file).not.toContain('na fila');
      expect(source, file).not.toContain('in line');
    }
    expect(readFileSync(join(WEB, queueFile), 'utf8')).toContain('na fila');
  });

  it('a rebuild keeps the last day’s hashed widget files (pages opened before it still find theirs) and drops the rest', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'atende-web-build-'));
    try {
      const assets = join(outdir, 'widget/assets');
      mkdirSync(assets, { recursive: true });
      writeFileSync(join(assets, 'widget-RECENT00.js'), 'export {};');
      writeFileSync(join(assets, 'widget-ANCIENT0.js'), 'export {};');
      const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
      utimesSync(join(assets, 'widget-ANCIENT0.js'), twoDaysAgo, twoDaysAgo);
      writeFileSync(join(outdir, 'stale.html'), '');
      await buildWeb({ outdir });
      expect(existsSync(join(assets, 'widget-RECENT00.js'))).toBe(true);
      expect(existsSync(join(assets, 'widget-ANCIENT0.js'))).toBe(false);
      expect(existsSync(join(outdir, 'stale.html'))).toBe(false);
      const built = (JSON.parse(readFileSync(join(outdir, 'build.json'), 'utf8')) as { widget: WidgetFiles }).widget;
      for (const file of [...built.firstLoad, ...Object.values(built.lazy).flat()]) {
        expect(existsSync(join(outdir, file)), file).toBe(true);
        expect(existsSync(join(outdir, `${file}.gz`)), file).toBe(true);
      }
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('never writes HTML from strings: no innerHTML, outerHTML, insertAdjacentHTML or document.write in web/', async () => {
    const { readdirSync } = await import('node:fs');
    const files = readdirSync(join(ROOT, 'web'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const source = readFileSync(join(ROOT, 'web', file), 'utf8');
      expect(source, file).not.toMatch(/\.(innerHTML|outerHTML)\b|insertAdjacentHTML|document\.write/);
    }
  });
});

describe('widget validation, as bundled, equals the server’s', () => {
  let dir: string;
  let bundled: {
    toE164: typeof toE164;
    chatStartSchema: typeof chatStartSchema;
  };
  let bundledInputs: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'atende-widget-validation-'));
    const entry = join(dir, 'entry.ts');
    writeFileSync(
      entry,
      `export { toE164 } from ${JSON.stringify(join(ROOT, 'shared/phone.ts'))};\n` +
        `export { chatStartSchema } from ${JSON.stringify(join(ROOT, 'shared/schemas.ts'))};\n` +
        `import ${JSON.stringify(join(ROOT, 'web/widget/main.ts'))};\n`,
    );
    // The widget's own entry is part of the build (for its list of inputs) but never run here.
    const result = await build({
      absWorkingDir: ROOT,
      entryPoints: [entry],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      metafile: true,
      logLevel: 'silent',
      plugins: [leanWidgetDependencies(), skipModule(join(ROOT, 'web/widget/main.ts'))],
    });
    const out = join(dir, 'bundle.mjs');
    writeFileSync(out, result.outputFiles[0]!.contents);
    bundled = await import(pathToFileURL(out).href);
    bundledInputs = Object.keys(result.metafile.inputs);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('was built with the trimmed dependencies', () => {
    expect(bundledInputs).toContain('web/widget/zodSubset.ts');
    expect(bundledInputs.some((input) => input.includes('libphonenumber-js/es6-modern/'))).toBe(true);
  });

  it('turns every country’s example numbers, and broken variants of them, into the same E.164 or refusal', () => {
    const cases: [string, string][] = [];
    for (const [country, national] of Object.entries(examples as Record<string, string>)) {
      const code = getCountryCallingCode(country as CountryCode);
      cases.push(
        [national, country],
        [`+${code}${national}`, 'BR'],
        [`+${code} ${national.slice(0, 3)}-${national.slice(3)}`, 'US'],
        [`00${code}${national}`, country],
        [`0${national}`, country],
        [national.slice(0, -1), country],
        [`${national}7`, country],
        [national, 'BR'],
      );
    }
    cases.push(
      ['(11) 98765-4321', 'BR'],
      ['11 8765-4321', 'BR'],
      ['011 98765-4321', 'BR'],
      ['+55 (21) 2555-1234', 'BR'],
      ['0800 123 4567', 'BR'],
      ['(201) 555-0123', 'US'],
      ['tel:+1-201-555-0123', 'US'],
      ['+1 201 555 0123 ext. 7', 'US'],
      ['abc', 'BR'],
      ['', 'BR'],
      ['+', 'BR'],
    );
    let valid = 0;
    for (const [raw, region] of cases) {
      const expected = toE164(raw, region);
      expect(bundled.toE164(raw, region), `${raw} in ${region}`).toBe(expected);
      if (expected) valid++;
    }
    // The corpus exercises both outcomes, widely.
    expect(valid).toBeGreaterThan(400);
    expect(cases.length - valid).toBeGreaterThan(400);
  });

  it('parses whole forms to the same data and the same messages in both locales', () => {
    const forms = [
      { name: 'Ana', email: 'ana@example.com', phone: '(11) 98765-4321' },
      { name: '  Ana Maria  ', email: ' ANA@Example.COM ', phone: '+55 11 98765 4321' },
      { name: '', email: '', phone: '' },
      { name: '   ', email: 'ana@', phone: '123' },
      { name: 'x'.repeat(121), email: 'ana example.com', phone: '11 98765-432' },
      { name: 'Zoë', email: 'zoe@exämple.com', phone: '+44 7400 123456' },
      { name: 'Ann', email: 'a'.repeat(250) + '@b.co', phone: '+1 201 555 0123' },
      { name: 'Ann', email: 'ann@example.com', phone: '(201) 555-0123', message: '' },
      { name: 'Ann', email: 'ann@example.com', phone: '(201) 555-0123', locale: 'fr' },
      { name: 42, email: null, phone: [] },
      'not an object',
    ];
    for (const locale of ['pt-BR', 'en'] as const) {
      for (const defaultRegion of ['BR', 'US']) {
        const server = chatStartSchema({ locale, defaultRegion });
        const widget = bundled.chatStartSchema({ locale, defaultRegion });
        for (const form of forms) {
          const expected = server.safeParse(form);
          const actual = widget.safeParse(form);
          expect(actual.success, JSON.stringify(form)).toBe(expected.success);
          if (expected.success) expect(actual.data).toEqual(expected.data);
          else {
            const simplify = (issues: { path: PropertyKey[]; message: string }[]) =>
              issues.map((issue) => [issue.path.join('.'), issue.message]);
            // Shared schemas give their own message everywhere but for wrong types; there the
            // widget's one generic message stands in for zod's English locale.
            const ownMessages = (issues: { path: PropertyKey[]; message: string; code: string }[]) =>
              simplify(issues.filter((issue) => issue.code !== 'invalid_type' && issue.code !== 'invalid_value'));
            expect(ownMessages(actual.error!.issues), JSON.stringify(form)).toEqual(ownMessages(expected.error!.issues));
            expect(simplify(actual.error!.issues).map(([path]) => path)).toEqual(simplify(expected.error!.issues).map(([path]) => path));
          }
        }
      }
    }
  });

  it('web/widget/zodSubset.ts has every zod builder that the bundled shared/ modules use', () => {
    const shared = bundledInputs.filter((input) => input.startsWith('shared/'));
    expect(shared).toContain('shared/schemas.ts');
    for (const file of shared) {
      const source = readFileSync(join(ROOT, file), 'utf8');
      for (const [, member] of source.matchAll(/\bz\.(\w+)\b(?!\s*<)/g)) {
        expect(Object.keys(zodSubset), `${file} uses z.${member}`).toContain(member);
      }
    }
  });
});

/** An esbuild plugin that replaces one module with an empty one. */
function skipModule(path: string) {
  return {
    name: 'skip-module',
    setup(b: { onLoad(options: { filter: RegExp }, callback: () => { contents: string; loader: 'js' }): void }) {
      b.onLoad({ filter: new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`) }, () => ({ contents: '', loader: 'js' }));
    },
  };
}
