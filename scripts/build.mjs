// `npm run build`: bundles the server with esbuild into dist/ (dependencies stay in node_modules).
import { build } from 'esbuild';

export async function buildAll() {
  await build({
    entryPoints: { server: 'server/cli.ts' },
    outdir: 'dist',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildAll();
  console.log('built dist/');
}
