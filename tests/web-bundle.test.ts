import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
import { leanWidgetDependencies } from '../scripts/build.mjs';
import { z as zodSubset } from '../web/widget/zodSubset.js';

/**
 * The widget's bundle: within its size budget, and — although scripts/build.mjs trims its
 * dependencies to get there — validating exactly like the server does.
 */

const BUDGET_BYTES = 60 * 1024;
const ROOT = resolve(import.meta.dirname, '..');

describe('widget bundle', () => {
  it(`is at most ${BUDGET_BYTES / 1024} KB gzipped`, () => {
    // dist/web is (re)built from the current sources by tests/support/webBuild.ts.
    const bundle = readFileSync(join(ROOT, 'dist/web/widget.js'));
    const gzipped = gzipSync(bundle, { level: 9 }).length;
    console.info(`widget.js: ${bundle.length} bytes, ${gzipped} gzipped (budget ${BUDGET_BYTES})`);
    expect(gzipped).toBeLessThanOrEqual(BUDGET_BYTES);
    // What browsers actually download is the precompressed twin.
    expect(readFileSync(join(ROOT, 'dist/web/widget.js.gz')).length).toBeLessThanOrEqual(BUDGET_BYTES);
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
