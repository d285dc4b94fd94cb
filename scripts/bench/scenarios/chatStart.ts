import { fmt, markdownTable, ratio, summarize, type LatencySummary } from '../lib/stats.js';
import type { ScenarioReport } from '../lib/report.js';
import { createPostgresDatabase, startAtende, startBare, startSocketLoad, stopAll, type ServerWorker } from '../lib/services.js';
import { forkWorker, type Worker } from '../lib/workers.js';
import { migratePostgresDatabase } from '../../../server/db/migrate.js';
import { countRows } from '../lib/storedOnce.js';

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

/** Each level's points of the three series, and the starts the Socket.IO baseline acked but did not store. */
interface ChatStartSeries {
  atende: Point[];
  raw: Point[];
  socketRaw: Point[];
  socketRawUnstored: number;
}

/** Starts the three targets, each on a fresh database, and runs every level on each. */
async function measureChatStarts(options: ChatStartOptions): Promise<ChatStartSeries> {
  const series: ChatStartSeries = { atende: [], raw: [], socketRaw: [], socketRawUnstored: 0 };
  // All three are up before the first level, and each level runs them back to back, so a change
  // in the machine's load (other processes) hits them at about the same time.
  const [atendeDb, rawDb, socketRawDb] = await Promise.all([createPostgresDatabase(), createPostgresDatabase(), createPostgresDatabase()]);
  let server: ServerWorker | undefined;
  let bare: ServerWorker | undefined;
  let load: Worker[] = [];
  let baseline: Worker | undefined;
  try {
    await migratePostgresDatabase(rawDb.url); // Atende's schema, indexes included
    await migratePostgresDatabase(socketRawDb.url);
    server = await startAtende({ DATABASE_URL: atendeDb.url });
    bare = await startBare({ BARE_DATABASE_URL: socketRawDb.url });
    load = await startSocketLoad(2);
    baseline = await forkWorker('load/postgres.ts');
    await baseline.request('connect', { url: rawDb.url });
    const warmup = Math.min(1000, options.durationMs);
    const starts = async (url: string, level: number, durationMs: number) =>
      point(
        await Promise.all(split(level, load.length).map((concurrency, g) => load[g]!.request<Run>('starts', { url, concurrency, durationMs }))),
      );
    const [, socketRawWarmup] = await Promise.all([
      starts(server.ready.url, 2, warmup),
      starts(bare.ready.url, 2, warmup),
      baseline.request('chatStarts', { concurrency: 2, durationMs: warmup }),
    ]);
    for (const level of options.levels) {
      const a = await starts(server.ready.url, level, options.durationMs);
      const r = point([await baseline.request<Run>('chatStarts', { concurrency: level, durationMs: options.durationMs })]);
      const s = await starts(bare.ready.url, level, options.durationMs);
      series.atende.push(a);
      series.raw.push(r);
      series.socketRaw.push(s);
      console.log(
        `  ${String(level).padStart(3)} in flight: Atende ${fmt(a.perSecond, 0)}/s p50 ${fmt(a.p50, 2)} p99 ${fmt(a.p99, 2)} ms; raw ${fmt(r.perSecond, 0)}/s ` +
          `p50 ${fmt(r.p50, 2)} p99 ${fmt(r.p99, 2)} ms; Socket.IO + raw ${fmt(s.perSecond, 0)}/s p50 ${fmt(s.p50, 2)} p99 ${fmt(s.p99, 2)} ms`,
      );
    }
    // The baseline's own check: each start it acked wrote its session.
    const acked = [socketRawWarmup, ...series.socketRaw].reduce((sum, p) => sum + p.count, 0);
    series.socketRawUnstored = Math.max(0, acked - (await countRows(socketRawDb.url, 'chat_sessions')));
  } finally {
    await stopAll([...load, server, bare, baseline]);
    await Promise.all([atendeDb.drop(), rawDb.drop(), socketRawDb.drop()]);
  }
  return series;
}

/**
 * `chat:start` at rising offered load (chats in flight), against raw postgres.js running the
 * same statements in one transaction (no socket, no validation), and against bare Socket.IO
 * running that transaction for each `chat:start` (the socket hop without Atende), each on a
 * fresh database.
 */
export async function runChatStart(options: ChatStartOptions): Promise<ScenarioReport> {
  const { atende, raw, socketRaw, socketRawUnstored } = await measureChatStarts(options);
  const rows = options.levels.map((level, i) => {
    const a = atende[i]!;
    const r = raw[i]!;
    return [level, fmt(a.perSecond, 0), fmt(a.p50, 2), fmt(a.p99, 2), fmt(r.perSecond, 0), fmt(r.p50, 2), fmt(r.p99, 2), ratio(a.perSecond, r.perSecond)];
  });
  const socketRows = options.levels.map((level, i) => {
    const [a, r, s] = [atende[i]!, raw[i]!, socketRaw[i]!];
    return [level, fmt(s.perSecond, 0), fmt(s.p50, 2), fmt(s.p99, 2), ratio(s.perSecond, r.perSecond), ratio(a.perSecond, s.perSecond)];
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
      'row) with no socket, validation or framework. Second table: bare Socket.IO whose `chat:start` runs that same ' +
      'transaction (pool of 20) and acks what it wrote, driven by the same load generators — what the socket hop alone ' +
      'costs. Each on a fresh database on the same PostgreSQL server; the three run back to back at each level.',
    sections: [
      markdownTable(['in flight', 'Atende starts/s', 'p50 ms', 'p99 ms', 'raw postgres.js tx/s', 'p50 ms', 'p99 ms', 'Atende / raw'], rows),
      markdownTable(['in flight', 'Socket.IO + raw tx starts/s', 'p50 ms', 'p99 ms', 'it / raw', 'Atende / it'], socketRows),
    ],
    figures: {
      atendePeak: best(atende),
      rawPeak: best(raw),
      socketRawPeak: best(socketRaw),
      peakRatio: best(atende) / best(raw),
      errors: [...atende, ...raw, ...socketRaw].reduce((s, p) => s + p.errors, 0),
      socketRawUnstored,
      oneAtATimeP50: atende[0]!.p50,
    },
  };
}
