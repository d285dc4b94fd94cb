import { fmt, markdownTable, ratio, summarize, type LatencySummary } from '../lib/stats.js';
import type { ScenarioReport } from '../lib/report.js';
import { createPostgresDatabase, startAtende, startSocketLoad, stopAll, type ServerWorker } from '../lib/services.js';
import { forkWorker, type Worker } from '../lib/workers.js';
import { migratePostgresDatabase } from '../../../server/db/migrate.js';

export interface ChatStartOptions {
  /** Chat starts in flight at once (closed loop), one run per level. */
  levels: number[];
  durationMs: number;
}

/** One load process's closed-loop run. */
export interface Run {
  latencies: number[];
  errors: number;
  elapsedMs: number;
}

export interface Point extends LatencySummary {
  perSecond: number;
  errors: number;
}

/** The runs of one level, from every load process, as one point. */
export const point = (runs: Run[]): Point => {
  const latencies = runs.flatMap((run) => run.latencies);
  const elapsed = Math.max(...runs.map((run) => run.elapsedMs));
  return { ...summarize(latencies), perSecond: latencies.length / (elapsed / 1000), errors: runs.reduce((s, r) => s + r.errors, 0) };
};

/** Splits `total` callers over `parts` processes (the first ones take the remainder). */
export function split(total: number, parts: number): number[] {
  return Array.from({ length: Math.min(parts, total) }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0)).filter((n) => n > 0);
}

/**
 * `chat:start` at rising offered load (chats in flight), against raw postgres.js running the
 * same statements in one transaction (no socket, no validation), each on a fresh database.
 */
export async function runChatStart(options: ChatStartOptions): Promise<ScenarioReport> {
  const atende: Point[] = [];
  const raw: Point[] = [];

  // Both are up before the first level, and each level runs them back to back, so a change in
  // the machine's load (other processes) hits both at about the same time.
  const [atendeDb, rawDb] = await Promise.all([createPostgresDatabase(), createPostgresDatabase()]);
  let server: ServerWorker | undefined;
  let load: Worker[] = [];
  let baseline: Worker | undefined;
  try {
    await migratePostgresDatabase(rawDb.url); // Atende's schema, indexes included
    server = await startAtende({ DATABASE_URL: atendeDb.url });
    load = await startSocketLoad(2);
    baseline = await forkWorker('load/postgres.ts');
    await baseline.request('connect', { url: rawDb.url });
    const url = server.ready.url;
    const warmup = Math.min(1000, options.durationMs);
    await Promise.all([
      load[0]!.request('starts', { url, concurrency: 2, durationMs: warmup }),
      baseline.request('chatStarts', { concurrency: 2, durationMs: warmup }),
    ]);
    for (const level of options.levels) {
      const runs = await Promise.all(
        split(level, load.length).map((concurrency, g) => load[g]!.request<Run>('starts', { url, concurrency, durationMs: options.durationMs })),
      );
      atende.push(point(runs));
      raw.push(point([await baseline.request<Run>('chatStarts', { concurrency: level, durationMs: options.durationMs })]));
      const [a, r] = [atende.at(-1)!, raw.at(-1)!];
      console.log(`  ${String(level).padStart(3)} in flight: Atende ${fmt(a.perSecond, 0)}/s p50 ${fmt(a.p50, 2)} p99 ${fmt(a.p99, 2)} ms; raw ${fmt(r.perSecond, 0)}/s p50 ${fmt(r.p50, 2)} p99 ${fmt(r.p99, 2)} ms`);
    }
  } finally {
    await stopAll([...load, server, baseline]);
    await Promise.all([atendeDb.drop(), rawDb.drop()]);
  }

  const rows = options.levels.map((level, i) => {
    const a = atende[i]!;
    const r = raw[i]!;
    return [level, fmt(a.perSecond, 0), fmt(a.p50, 2), fmt(a.p99, 2), fmt(r.perSecond, 0), fmt(r.p50, 2), fmt(r.p99, 2), ratio(a.perSecond, r.perSecond)];
  });
  const best = (points: Point[]) => Math.max(...points.map((p) => p.perSecond));
  return {
    id: 'chat-start',
    title: '2. Chat start',
    method:
      `Closed loop: at each level that many chats are being started at once (spread over two load-generator processes, ` +
      `one socket per caller, each starting its next chat when the last is acked), for ${options.durationMs / 1000} s, new ` +
      'customer each time. Baseline: postgres.js in its own process, pool of 20 like the node, running in one transaction ' +
      'the statements Atende runs for a new customer (look up by e-mail, by phone, insert customer, ticket, session, audit ' +
      'row) with no socket, validation or framework. Each on a fresh database on the same PostgreSQL server.',
    sections: [
      markdownTable(['in flight', 'Atende starts/s', 'p50 ms', 'p99 ms', 'raw postgres.js tx/s', 'p50 ms', 'p99 ms', 'Atende / raw'], rows),
    ],
    figures: {
      atendePeak: best(atende),
      rawPeak: best(raw),
      peakRatio: best(atende) / best(raw),
      errors: atende.reduce((s, p) => s + p.errors, 0) + raw.reduce((s, p) => s + p.errors, 0),
      oneAtATimeP50: atende[0]!.p50,
    },
  };
}
