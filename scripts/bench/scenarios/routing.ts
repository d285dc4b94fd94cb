import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import postgres from 'postgres';
import type { AppRouter } from '../../../server/trpc/appRouter.js';
import { fmt, markdownTable, median } from '../lib/stats.js';
import type { ScenarioReport } from '../lib/report.js';
import { createPostgresDatabase, startAtende, startSocketLoad, stopAll, type ServerWorker } from '../lib/services.js';
import type { Worker } from '../lib/workers.js';
import { point, split, type Point, type Run } from './chatStart.js';

export interface RoutingOptions {
  /** Chat starts in flight at once (closed loop), one run per level. */
  levels: number[];
  durationMs: number;
  /** Online agents on the routed node, each with room for every chat of the run. */
  agents?: number;
}

/**
 * What routing costs the intake (PROTOCOL §8): `chat:start` throughput with routing
 * `least_busy` and online agents with room (every chat is assigned, by a pass after the ack)
 * against the same node with routing `manual` (no pass at all), each on a fresh database.
 */
export async function runRouting(options: RoutingOptions): Promise<ScenarioReport> {
  const agents = options.agents ?? 4;
  const routed: Point[] = [];
  const manual: Point[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'atende-bench-routing-'));
  const automations = (mode: string) => {
    const file = join(dir, `${mode}.json`);
    writeFileSync(file, JSON.stringify({ routing: { mode, defaultCapacity: 10_000, reassignAfterOfflineMs: 3_600_000 } }));
    return file;
  };
  const [routedDb, manualDb] = await Promise.all([createPostgresDatabase(), createPostgresDatabase()]);
  let servers: ServerWorker[] = [];
  let load: Worker[] = [];
  let assignedShare = Number.NaN;
  try {
    const adminToken = `bench-admin-${randomBytes(12).toString('hex')}`;
    // Presence for the whole run: the agents ask once and need no stream to stay online.
    const env = { ADMIN_TOKEN: adminToken, PRESENCE_TIMEOUT_MS: '3600000' };
    servers = await Promise.all([
      startAtende({ ...env, DATABASE_URL: routedDb.url, AUTOMATIONS_FILE: automations('least_busy') }),
      startAtende({ ...env, DATABASE_URL: manualDb.url, AUTOMATIONS_FILE: automations('manual') }),
    ]);
    const [routedUrl, manualUrl] = servers.map((server) => server.ready.url) as [string, string];
    await putAgentsOnline(routedUrl, adminToken, agents, 10_000);
    load = await startSocketLoad(2);
    const run = async (url: string, level: number, durationMs = options.durationMs) =>
      point(await Promise.all(split(level, load.length).map((concurrency, g) => load[g]!.request<Run>('starts', { url, concurrency, durationMs }))));
    // Each node warmed at the first level, in turn (its code compiled, its pool opened, its
    // tables grown): after one second at 2 in flight the first level measured was the lowest.
    const warmup = Math.min(3000, options.durationMs);
    for (const url of [routedUrl, manualUrl]) await run(url, options.levels[0] ?? 4, warmup);
    for (const [i, level] of options.levels.entries()) {
      // Back to back, in turns, so a change in the machine's load hits both alike.
      if (i % 2 === 0) {
        routed.push(await run(routedUrl, level));
        manual.push(await run(manualUrl, level));
      } else {
        manual.push(await run(manualUrl, level));
        routed.push(await run(routedUrl, level));
      }
      const [r, m] = [routed.at(-1)!, manual.at(-1)!];
      console.log(
        `  ${String(level).padStart(3)} in flight: least_busy ${fmt(r.perSecond, 0)}/s p50 ${fmt(r.p50, 2)} ms; manual ${fmt(m.perSecond, 0)}/s p50 ${fmt(m.p50, 2)} ms; ${percent(r.perSecond / m.perSecond)}`,
      );
    }
    assignedShare = await shareAssigned(routedDb.url);
  } finally {
    await stopAll([...load, ...servers]);
    await Promise.all([routedDb.drop(), manualDb.drop()]);
    rmSync(dir, { recursive: true, force: true });
  }

  const rows = options.levels.map((level, i) => {
    const [r, m] = [routed[i]!, manual[i]!];
    return [level, fmt(r.perSecond, 0), fmt(r.p50, 2), fmt(r.p99, 2), fmt(m.perSecond, 0), fmt(m.p50, 2), fmt(m.p99, 2), percent(r.perSecond / m.perSecond)];
  });
  const best = (points: Point[]) => Math.max(...points.map((p) => p.perSecond));
  const peakRatio = best(routed) / best(manual);
  // Each level's two runs are back to back, so their ratio is the figure least moved by the
  // machine's drift; the median of them is the run's figure, its range the spread.
  const ratios = routed.map((r, i) => r.perSecond / manual[i]!.perSecond);
  const medianRatio = median(ratios);
  const spread = `${percent(Math.min(...ratios))}–${percent(Math.max(...ratios))}`;
  console.log(
    `  median of the levels: ${percent(medianRatio)} (${spread}; target ≥ 95%); peak: least_busy ${fmt(best(routed), 0)}/s, manual ${fmt(best(manual), 0)}/s: ` +
      `${percent(peakRatio)}; ${percent(assignedShare)} of the routed chats assigned`,
  );
  return {
    id: 'routing',
    title: '6. Routing',
    method:
      `Closed loop as in chat start: at each level that many \`chat:start\` in flight for ${options.durationMs / 1000} s, from two load ` +
      `processes. One node routes \`least_busy\` with ${agents} agents online, each with room for every chat (so each chat is ` +
      'really assigned, by a routing pass after its ack); the other has routing `manual` (no pass at all). Each node on a fresh ' +
      'database on the same PostgreSQL server; the two run back to back at each level, in alternating order.',
    sections: [
      markdownTable(['in flight', 'least_busy starts/s', 'p50 ms', 'p99 ms', 'manual starts/s', 'p50 ms', 'p99 ms', 'least_busy / manual'], rows),
      `Median of the levels' ratios: ${percent(medianRatio)} (${spread}; target ≥ 95%). Peak: ${percent(peakRatio)} of the manual node's best ` +
        `chat starts per second. ${percent(assignedShare)} of the routed node's chats were assigned.`,
    ],
    figures: {
      routedPeak: best(routed),
      manualPeak: best(manual),
      peakRatio,
      medianRatio,
      assignedShare,
      errors: routed.reduce((s, p) => s + p.errors, 0) + manual.reduce((s, p) => s + p.errors, 0),
    },
  };
}

function percent(value: number): string {
  return Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : '—';
}

/** Creates `count` agents with this capacity and has each ask to be online. */
async function putAgentsOnline(url: string, adminToken: string, count: number, capacity: number): Promise<void> {
  const client = (token: string) => createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${url}/trpc`, headers: { Authorization: `Bearer ${token}` } })] });
  const admin = client(adminToken);
  for (let i = 0; i < count; i++) {
    const { agent, token } = await admin.agents.create.mutate({ name: `Bench Agent ${i}`, email: `bench.agent.${i}@example.com`, role: 'agent' });
    await admin.agents.update.mutate({ id: agent.id, capacity });
    await client(token).agents.setStatus.mutate({ status: 'online' });
  }
}

/**
 * Of the chat tickets on the routed node's database, the share that have an assignee, once the
 * passes that follow the last acks had their time (up to 10 s).
 */
async function shareAssigned(url: string): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const [row] = await sql<{ assigned: number; total: number }[]>`
        select count(*) filter (where assignee_id is not null)::int as assigned, count(*)::int as total from tickets where source = 'chat'`;
      const share = row && row.total > 0 ? row.assigned / row.total : Number.NaN;
      if (share === 1 || Date.now() > deadline) return share;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await sql.end({ timeout: 1 });
  }
}
