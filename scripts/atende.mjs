#!/usr/bin/env node
// `npx atende <command>` / `npm run atende -- <command>`: the admin CLI (server/admin/cli.ts), run from its TypeScript sources.
import { register } from 'tsx/esm/api';

register();
await import('../server/admin/cli.ts');
