// `npm run build`: bundles the server with esbuild into dist/ (dependencies stay in node_modules)
// and the browser code of web/ into dist/web/ (the widget, the console and the demo page).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync, constants as zlibConstants } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const at = (path) => join(ROOT, path);

export async function buildAll() {
  await Promise.all([buildServer(), buildWeb()]);
}

/** The server's bundles: `dist/server.js` (the node, `npm start`) and `dist/atende.js` (the admin CLI, `npx atende`). */
export async function buildServer() {
  await bundleForNode({ entryPoints: { server: 'server/cli.ts', atende: 'server/admin/cli.ts' }, outdir: 'dist' });
}

/** Bundles TypeScript entry points for Node (ESM; dependencies stay in node_modules) into `outdir`. */
export async function bundleForNode({ entryPoints, outdir }) {
  await build({
    absWorkingDir: ROOT,
    entryPoints,
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
}

/** Whether `bundle` (a path under the project) is missing or older than any file under `sources`. */
export function isStale(bundle, sources) {
  const bundlePath = at(bundle);
  return !existsSync(bundlePath) || statSync(bundlePath).mtimeMs < Math.max(...sources.map((source) => newestMtime(at(source))));
}

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestMtime(join(path, entry))), stat.mtimeMs);
}

const BROWSER_TARGET = ['chrome100', 'firefox100', 'safari15', 'edge100'];

/** Where the widget's content-hashed ES modules go, under the web bundle (and the URL path they are served at). */
export const WIDGET_ASSETS = 'widget/assets';

/**
 * Bundles web/ into `outdir` (dist/web by default):
 * - `widget.js`: the small loader at a stable URL (site owners paste it), cached briefly + ETag,
 *   which imports `widget/assets/widget-<hash>.js`; the widget's ES modules are split by esbuild
 *   at each dynamic import() (web/widget/lazy/), content-hashed and cached for good;
 * - `console/index.html` naming content-hashed `console/assets/*` (cached for good);
 * - `index.html`: the demo store page;
 * - `build.json`: when, from which sources, and the widget's files (`widget`: see widgetFiles()).
 */
export async function buildWeb({ outdir = at('dist/web') } = {}) {
  clearOutdir(outdir);
  mkdirSync(join(outdir, 'console'), { recursive: true });

  const widget = buildWidget(outdir);

  const console = build({
    absWorkingDir: ROOT,
    entryPoints: { console: 'web/console/main.ts' },
    outdir: join(outdir, 'console/assets'),
    entryNames: '[name]-[hash]',
    // Pages loaded with import() (the reports, with uPlot) become chunks of their own.
    splitting: true,
    chunkNames: '[name]-[hash]',
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: BROWSER_TARGET,
    charset: 'utf8',
    legalComments: 'none',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
  }).then((result) => {
    const assets = Object.keys(result.metafile.outputs).map((file) => file.split('/').pop());
    const script = assets.find((name) => /^console-.*\.js$/.test(name));
    const style = assets.find((name) => /^console-.*\.css$/.test(name));
    const html = readFileSync(at('web/console/index.html'), 'utf8')
      .replace('%CONSOLE_JS%', `/console/assets/${script}`)
      .replace('%CONSOLE_CSS%', style ? `/console/assets/${style}` : '');
    writeFileSync(join(outdir, 'console/index.html'), html);
  });

  const demo = Promise.resolve().then(() => {
    writeFileSync(join(outdir, 'index.html'), readFileSync(at('web/demo/index.html')));
  });

  const [widgetFiles] = await Promise.all([widget, console, demo]);
  const widgetOutputs = [widgetFiles.loader, ...widgetFiles.firstLoad, ...Object.values(widgetFiles.lazy).flat()];
  precompress([...new Set(widgetOutputs)].map((file) => join(outdir, file)).concat(listAssets(join(outdir, 'console/assets'))));
  // Lets the node and the tests tell which sources a bundle was made from.
  writeFileSync(
    join(outdir, 'build.json'),
    JSON.stringify({ builtAt: new Date().toISOString(), fingerprint: webFingerprint(), widget: widgetFiles }),
  );
}

/** How long the widget's hashed files of an earlier build stay (see clearOutdir). */
const KEEP_OLD_WIDGET_ASSETS_MS = 24 * 60 * 60 * 1000;

/**
 * Empties `outdir` but for the widget's hashed files of the last day's builds: a page opened
 * before a rebuild, or a widget.js cached before it, still finds the modules it names.
 */
function clearOutdir(outdir) {
  const assets = join(outdir, WIDGET_ASSETS);
  for (const entry of existsSync(outdir) ? readdirSync(outdir) : []) {
    if (entry !== 'widget') rmSync(join(outdir, entry), { recursive: true, force: true });
  }
  for (const entry of existsSync(join(outdir, 'widget')) ? readdirSync(join(outdir, 'widget')) : []) {
    if (entry !== 'assets') rmSync(join(outdir, 'widget', entry), { recursive: true, force: true });
  }
  for (const name of existsSync(assets) ? readdirSync(assets) : []) {
    const file = join(assets, name);
    if (statSync(file).mtimeMs < Date.now() - KEEP_OLD_WIDGET_ASSETS_MS) rmSync(file, { force: true });
  }
  mkdirSync(assets, { recursive: true });
}

/** The widget: its ES modules (entry and chunks), then the loader that names the entry. */
async function buildWidget(outdir) {
  const result = await build({
    absWorkingDir: ROOT,
    // The lazy parts are entries too only to be named after their files (queue-<hash>.js).
    entryPoints: { widget: 'web/widget/main.ts', ...lazyWidgetParts() },
    outdir: join(outdir, WIDGET_ASSETS),
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    bundle: true,
    splitting: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: BROWSER_TARGET,
    charset: 'utf8',
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    plugins: [leanWidgetDependencies()],
  });
  const files = widgetFiles(result.metafile, outdir, 'web/widget/main.ts');
  await build({
    absWorkingDir: ROOT,
    entryPoints: ['web/widget/loader.ts'],
    outfile: join(outdir, files.loader),
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: BROWSER_TARGET,
    charset: 'utf8',
    legalComments: 'none',
    logLevel: 'warning',
    // The entry first; all of them imported at once, so the chunks the entry imports are
    // fetched alongside it rather than after it.
    define: { WIDGET_MODULES: JSON.stringify(files.firstLoad.filter((file) => file !== files.loader)) },
  });
  return files;
}

/** web/widget/lazy/*.ts but its mechanism (lazyPart.ts): each a part loaded on first use. */
function lazyWidgetParts() {
  const parts = {};
  for (const file of readdirSync(at('web/widget/lazy'))) {
    if (file.endsWith('.ts') && file !== 'lazyPart.ts') parts[file.replace(/\.ts$/, '')] = `web/widget/lazy/${file}`;
  }
  return parts;
}

/**
 * The widget's files, relative to `outdir`, from esbuild's metafile:
 * - `firstLoad`: what every page with the widget downloads — the loader, the entry and the
 *   chunks it imports statically (transitively);
 * - `lazy`: per part of web/widget/lazy/ (by file name), what its first use downloads besides.
 */
export function widgetFiles(metafile, outdir, entryPoint) {
  const name = (output) => relative(outdir, resolve(ROOT, output)).split('\\').join('/');
  const outputs = Object.entries(metafile.outputs).filter(([output]) => output.endsWith('.js'));
  const staticClosure = (start) => {
    const seen = new Set();
    const visit = (output) => {
      if (seen.has(output)) return;
      seen.add(output);
      for (const imported of metafile.outputs[output]?.imports ?? []) {
        if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
      }
    };
    visit(start);
    return [...seen];
  };
  const entry = outputs.find(([, output]) => output.entryPoint === entryPoint)?.[0];
  if (!entry) throw new Error(`no output for ${entryPoint}`);
  const firstLoad = staticClosure(entry); // the entry first
  const lazy = {};
  for (const [output, { entryPoint: source }] of outputs) {
    if (!source || output === entry) continue;
    lazy[basename(source).replace(/\.[jt]s$/, '')] = staticClosure(output).filter((file) => !firstLoad.includes(file)).map(name);
  }
  return { loader: 'widget.js', entry: name(entry), firstLoad: ['widget.js', ...firstLoad.map(name)], lazy };
}

/** Writes `.gz` and `.br` beside each file, served to browsers that accept them. */
function precompress(files) {
  for (const file of files) {
    const content = readFileSync(file);
    writeFileSync(`${file}.gz`, gzipSync(content, { level: 9 }));
    writeFileSync(`${file}.br`, brotliCompressSync(content, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } }));
  }
}

function listAssets(dir) {
  return readdirSync(dir)
    .filter((name) => /\.(js|css)$/.test(name))
    .map((name) => join(dir, name));
}

/** A hash of the inputs of the web bundle: web/, shared/ and the lockfile. */
export function webFingerprint() {
  const hash = createHash('sha256');
  for (const file of listFiles(['web', 'shared']).concat('package-lock.json', 'scripts/build.mjs')) {
    hash.update(file).update(readFileSync(at(file)));
  }
  return hash.digest('hex').slice(0, 16);
}

function listFiles(dirs) {
  const files = [];
  const walk = (dir) => {
    const entries = readdirSync(at(dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else files.push(path);
    }
  };
  dirs.forEach(walk);
  return files;
}

/**
 * Keeps the widget within its 60 KB (gzipped) budget without changing what it does:
 * - `zod` → web/widget/zodSubset.ts, so esbuild can drop the builders and locales shared/ never uses;
 * - zod's JSON Schema generator (never called in the widget) → stubs that throw if ever called;
 * - zod's English default messages → one generic message (every schema in shared/ gives its own);
 * - Engine.IO's WebTransport transport (not offered by the server) is left out;
 * - libphonenumber-js's metadata without its formatting rules (parsing and validation never
 *   read them; tests/web-bundle.test.ts checks that every number validates the same).
 */
export function leanWidgetDependencies() {
  const zodSubset = at('web/widget/zodSubset.ts');
  return {
    name: 'lean-widget-dependencies',
    setup(b) {
      b.onResolve({ filter: /^zod$/ }, (args) => (args.importer === zodSubset ? undefined : { path: zodSubset }));
      b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]core[\\/](json-schema-processors|to-json-schema|json-schema-generator)\.js$/ }, (args) => {
        const names = [...readFileSync(args.path, 'utf8').matchAll(/export (?:const|function|class|let) (\w+)/g)].map((m) => m[1]);
        const contents = names.map((name) => `export function ${name}() { throw new Error('JSON Schema is not part of the widget'); }`).join('\n');
        return { contents, loader: 'js' };
      });
      b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]en\.js$/ }, () => ({
        contents: 'export default function en() { return { localeError: () => "Invalid input" }; }',
        loader: 'js',
      }));
      b.onLoad({ filter: /[\\/]engine\.io-client[\\/]build[\\/]esm[\\/]transports[\\/]index\.js$/ }, (args) => ({
        contents:
          'import { XHR } from "./polling-xhr.node.js"; import { WS } from "./websocket.node.js";\n' +
          'export const transports = { websocket: WS, polling: XHR };',
        loader: 'js',
        resolveDir: dirname(args.path),
      }));
      b.onLoad({ filter: /[\\/]libphonenumber-js[\\/]es6[\\/].*\.js$/ }, (args) => {
        const modern = args.path.replace(/([\\/]libphonenumber-js[\\/])es6([\\/])/, '$1es6-modern$2');
        return { contents: readFileSync(modern, 'utf8'), loader: 'js', resolveDir: dirname(modern) };
      });
      b.onLoad({ filter: /[\\/]libphonenumber-js[\\/]metadata\.min\.json\.js$/ }, () => ({
        contents: `export default ${JSON.stringify(parsingMetadata())};`,
        loader: 'js',
      }));
    },
  };
}

/**
 * libphonenumber-js's "min" metadata (what shared/phone.ts uses) less what only formatting
 * reads: per territory, index 4 (number formats), 6 (national prefix formatting rule) and 9
 * (national prefix optional when formatting) of the compressed v4 layout.
 */
export function parsingMetadata() {
  const metadata = JSON.parse(readFileSync(at('node_modules/libphonenumber-js/metadata.min.json'), 'utf8'));
  if (metadata.version !== 4) throw new Error(`libphonenumber-js metadata v${metadata.version}: review parsingMetadata()`);
  for (const group of [metadata.countries, metadata.nonGeographic]) {
    for (const territory of Object.values(group ?? {})) {
      for (const index of [4, 6, 9]) if (territory.length > index) territory[index] = 0;
    }
  }
  return metadata;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildAll();
  console.log('built dist/ and dist/web/');
}
