/**
 * `tickets.list` latency over HTTP with the typed client, on a seeded database.
 * Usage: npx tsx scripts/bench/tickets-list.ts [--db pglite|postgres] [--tickets 50000] [--customers 5000] [--runs 200]
 * With --db postgres a fresh database is created on TEST_POSTGRES_URL's server and dropped after.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createTRPCClient, httpLink } from '@trpc/client';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../../server/db/client.js';
import type { AppRouter } from '../../server/trpc/appRouter.js';
import { spawnNode } from '../../tests/support/processNode.js';
import { createPostgresDatabase } from '../../tests/support/postgres.js';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'pglite' },
    tickets: { type: 'string', default: '50000' },
    customers: { type: 'string', default: '5000' },
    runs: { type: 'string', default: '200' },
  },
});
const ticketCount = Number(values.tickets);
const customerCount = Number(values.customers);
const runs = Number(values.runs);
const adminToken = `bench-admin-${Date.now()}-token`;

const pg = values.db === 'postgres' ? await createPostgresDatabase() : undefined;
const dataDir = pg ? undefined : mkdtempSync(join(tmpdir(), 'atende-bench-'));

// Seeded before the node starts: an embedded database has one owner at a time.
const seeding = await openDatabase({ databaseUrl: pg?.url, dataDir: dataDir ?? '' });
await seeding.migrate();
await seeding.db.execute(sql`
  insert into clients (email, name, phone, total_tickets)
  select 'c' || i || '@bench.example', 'Customer ' || i, '+55119' || lpad(i::text, 8, '0'), 0
  from generate_series(1, ${customerCount}::int) i`);
await seeding.db.execute(sql`
  with numbered as (select id, row_number() over (order by id) as rn from clients)
  insert into tickets (subject, status, source, client_id, created_at)
  select 'Ticket ' || i || ' ' || md5(i::text),
         (array['OPEN', 'PENDING', 'RESOLVED', 'CLOSED'])[1 + i % 4],
         (array['chat', 'email', 'phone', 'web', 'api'])[1 + i % 5],
         numbered.id,
         now() - make_interval(secs => ${ticketCount}::int - i)
  from generate_series(1, ${ticketCount}::int) i
  join numbered on numbered.rn = 1 + i % ${customerCount}::int`);
await seeding.db.execute(sql`analyze`);
// postgres.js answers rows as an array, PGlite as `{ rows }`.
const picked = (await seeding.db.execute(sql`select id from clients order by id limit 1`)) as unknown;
const clientId = (Array.isArray(picked) ? picked : (picked as { rows: { id: string }[] }).rows)[0].id as string;
await seeding.close();

const node = await spawnNode(pg ? { DATABASE_URL: pg.url, ADMIN_TOKEN: adminToken } : { DATA_DIR: dataDir!, ADMIN_TOKEN: adminToken });
const atende = createTRPCClient<AppRouter>({
  links: [httpLink({ url: `${node.url}/trpc`, headers: { Authorization: `Bearer ${adminToken}` } })],
});

let deepCursor: string | null = null;
for (let page = 0; page < 40; page++) {
  deepCursor = (await atende.tickets.list.query({ limit: 100, cursor: deepCursor })).nextCursor;
}

const cases: [string, Parameters<typeof atende.tickets.list.query>[0]][] = [
  ['newest 25', {}],
  ['source=chat', { source: 'chat' }],
  ['source=chat status=OPEN', { source: 'chat', status: 'OPEN' }],
  ['clientId', { clientId }],
  ['page 41 (cursor)', { cursor: deepCursor }],
  ['q=e-mail (rare)', { q: 'c4242@bench.example' }],
  ['q=#number', { q: `#${Math.floor(ticketCount / 2)}` }],
  ['q=no match (full scan)', { q: 'zzz-nothing' }],
];

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
console.log(`tickets.list on ${values.db}: ${ticketCount} tickets, ${customerCount} customers, ${runs} calls per case`);
for (const [name, input] of cases) {
  for (let i = 0; i < 10; i++) await atende.tickets.list.query(input); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const began = performance.now();
    await atende.tickets.list.query(input);
    times.push(performance.now() - began);
  }
  times.sort((a, b) => a - b);
  console.log(`  ${name.padEnd(26)} p50 ${pct(times, 50).toFixed(1).padStart(6)} ms   p95 ${pct(times, 95).toFixed(1).padStart(6)} ms`);
}

await node.stop();
await pg?.drop();
if (dataDir) rmSync(dataDir, { recursive: true, force: true });
