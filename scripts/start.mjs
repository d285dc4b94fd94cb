// `npm start`: rebuilds dist/ when it is missing or older than the sources, then runs the node.
import { buildAll, isStale } from './build.mjs';

const BUNDLE = 'dist/server.js';

if (isStale(BUNDLE, ['server', 'shared', 'web', 'package.json'])) {
  console.log('building dist/ …');
  await buildAll();
}
await import(`../${BUNDLE}`);
