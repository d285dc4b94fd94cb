/**
 * Chat-start latency and throughput against a node running in its own process.
 * Usage: npx tsx scripts/bench/chat-start.ts [--db pglite|postgres] [--count 300] [--concurrency 20]
 * With --db postgres a fresh database is created on TEST_POSTGRES_URL's server and dropped after.
 */
import { parseArgs } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { spawnNode } from '../../tests/support/processNode.js';
import { createPostgresDatabase } from '../../tests/support/postgres.js';
import { uniqueContact } from '../../tests/support/customer.js';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'pglite' },
    count: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '20' },
  },
});
const count = Number(values.count);
const concurrency = Number(values.concurrency);

const pg = values.db === 'postgres' ? await createPostgresDatabase() : undefined;
const dataDir = pg ? undefined : mkdtempSync(join(tmpdir(), 'atende-bench-'));
const node = await spawnNode(pg ? { DATABASE_URL: pg.url } : { DATA_DIR: dataDir! });

const socket = io(`${node.url}/chat`, { transports: ['websocket'] });
await new Promise((resolve) => socket.once('connect', () => resolve(undefined)));

function start(): Promise<number> {
  const contact = uniqueContact();
  const began = performance.now();
  return new Promise((resolve, reject) =>
    socket.emit('chat:start', { name: contact.name, email: contact.email, phone: contact.phone }, (ack: { ok: boolean }) =>
      ack.ok ? resolve(performance.now() - began) : reject(new Error(JSON.stringify(ack))),
    ),
  );
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

for (let i = 0; i < 20; i++) await start(); // warm-up
const sequential: number[] = [];
for (let i = 0; i < count; i++) sequential.push(await start());
sequential.sort((a, b) => a - b);

const began = performance.now();
const concurrent: number[] = [];
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next++ < count) concurrent.push(await start());
  }),
);
const seconds = (performance.now() - began) / 1000;
concurrent.sort((a, b) => a - b);

console.log(`chat:start on ${values.db} (${count} starts)`);
console.log(`  one at a time: p50 ${pct(sequential, 50).toFixed(1)} ms, p99 ${pct(sequential, 99).toFixed(1)} ms`);
console.log(
  `  ${concurrency} in flight: ${(count / seconds).toFixed(0)} starts/s, p50 ${pct(concurrent, 50).toFixed(1)} ms, p99 ${pct(concurrent, 99).toFixed(1)} ms`,
);

socket.disconnect();
await node.stop('SIGTERM');
await pg?.drop();
if (dataDir) rmSync(dataDir, { recursive: true, force: true });
