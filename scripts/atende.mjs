#!/usr/bin/env node
// `npx atende <command>` / `npm run atende -- <command>`: the admin CLI (server/admin/cli.ts),
// run from its bundle, rebuilt first when missing or older than the sources (as `npm start` does).
import { buildServer, isStale } from './build.mjs';

const BUNDLE = 'dist/atende.js';

if (isStale(BUNDLE, ['server', 'shared', 'package.json'])) await buildServer();
await import(`../${BUNDLE}`);
