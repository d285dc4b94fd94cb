// `npm start`: rebuilds dist/ when it is missing or older than the sources, then runs the node.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildAll } from './build.mjs';

const BUNDLE = 'dist/server.js';
const SOURCES = ['server', 'shared', 'web', 'package.json'];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestMtime(join(path, entry))), stat.mtimeMs);
}

if (!existsSync(BUNDLE) || statSync(BUNDLE).mtimeMs < Math.max(...SOURCES.map(newestMtime))) {
  console.log('building dist/ …');
  await buildAll();
}
await import(`../${BUNDLE}`);
