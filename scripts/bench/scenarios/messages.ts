import { randomBytes } from 'node:crypto';
import { migratePostgresDatabase } from '../../../server/db/migrate.js';
import { fmt, markdownTable, ratio, summarize, type LatencySummary } from '../lib/stats.js';
import type { ScenarioReport } from '../lib/report.js';
import { createPostgresDatabase, startAtende, startBare, startRedisServer, startSocketLoad, stopAll, type ServerWorker } from '../lib/services.js';
import { checkStoredOnce, type SessionSends, type StoredOnce } from '../lib/storedOnce.js';
import { forkWorker, type Worker } from '../lib/workers.js';
import { split } from './chatStart.js';

export interface MessagesOptions {
  /** Sending sockets (one session each) per level; every socket keeps `window` messages in flight. */
  levels: number[];
  window: number;
  durationMs: number;
  /** Messages sent one at a time for the end-to-end latency. */
  endToEndCount: number;
}

interface Run {
  latencies: number[];
  errors: number;
  firstError?: string;
  elapsedMs: number;
}

export interface Point extends LatencySummary {
  perSecond: number;
  errors: number;
}

const point = (runs: Run[]): Point => {
  const latencies = runs.flatMap((run) => run.latencies);
  const elapsed = Math.max(...runs.map((run) => run.elapsedMs));
  const errors = runs.reduce((s, r) => s + r.errors, 0);
  if (errors > 0) console.warn(`    ${errors} errors: ${runs.find((r) => r.firstError)?.firstError}`);
  return { ...summarize(latencies), perSecond: latencies.length / (elapsed / 1000), errors };
};

/**
 * PostgreSQL connections of each target, Atende's and the baselines' alike. The five
 * targets with a database stay up through the scenario (their levels alternate); at the
 * default pool of 20, four of them held 80 of PostgreSQL's 100 connections, and a test suite run beside
 * the benchmark was refused connections ("too many clients").
 */
const POOL_SIZE = 10;

type Variant = 'group' | 'naive' | 'bare' | 'socketStatement' | 'rawTx' | 'rawStatement';
const LABELS: Record<Variant, string> = {
  group: 'Atende, group commit',
  naive: 'Atende, one tx per message',
  bare: 'bare Socket.IO relay (no persistence)',
  socketStatement: 'bare Socket.IO, one INSERT per message',
  rawTx: 'raw postgres.js, one tx per message',
  rawStatement: 'raw postgres.js, one INSERT per message',
};

interface Target {
  variant: Variant;
  measure(level: number): Promise<Run[]>;
  /** The targets with a database: every message their acks said committed, in it exactly once. */
  checkStored?(): Promise<StoredOnce>;
  stop(): Promise<void>;
}

/**
 * A socket target with its sockets open, one session per socket: Atende as it runs, Atende with
 * the baseline one-transaction-per-message writer (servers/oneTxPerMessageWriter.ts), bare, or
 * bare storing each message with the raw baseline's INSERT.
 */
async function socketTarget(variant: 'group' | 'naive' | 'bare' | 'socketStatement', options: MessagesOptions): Promise<Target> {
  const database = variant === 'bare' ? undefined : await createPostgresDatabase();
  let server: ServerWorker | undefined;
  let load: Worker[] = [];
  const stop = async () => {
    await stopAll([...load, server]);
    await database?.drop();
  };
  try {
    if (variant === 'socketStatement') await migratePostgresDatabase(database!.url);
    server =
      variant === 'bare'
        ? await startBare()
        : variant === 'socketStatement'
          ? await startBare({ BARE_DATABASE_URL: database!.url, BARE_DATABASE_POOL_SIZE: String(POOL_SIZE) })
          : await startAtende({
            DATABASE_URL: database!.url,
            DATABASE_POOL_SIZE: String(POOL_SIZE),
            ...(variant === 'naive' ? { BENCH_MESSAGE_WRITER: 'one-tx-per-message' } : {}),
          });
    load = await startSocketLoad(2);
    const most = Math.max(...options.levels);
    await Promise.all(split(most, load.length).map((count, g) => load[g]!.request('open', { url: server!.ready.url, count })));
    await Promise.all(load.map((g) => g.request('messages', { window: 1, durationMs: Math.min(1000, options.durationMs), sockets: 5 })));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    variant,
    measure: (level) =>
      Promise.all(
        split(level, load.length).map((sockets, g) =>
          load[g]!.request<Run>('messages', { window: options.window, durationMs: options.durationMs, sockets }),
        ),
      ),
    ...(database
      ? {
          checkStored: async () =>
            checkStoredOnce(database.url, (await Promise.all(load.map((g) => g.request<SessionSends[]>('sent')))).flat(), {
              lastSeqKept: variant !== 'socketStatement',
            }),
        }
      : {}),
    stop,
  };
}

/** A raw postgres.js baseline with its sessions made. */
async function rawTarget(variant: 'rawTx' | 'rawStatement', options: MessagesOptions): Promise<Target> {
  const database = await createPostgresDatabase();
  let baseline: Worker | undefined;
  const stop = async () => {
    await stopAll([baseline]);
    await database.drop();
  };
  const command = variant === 'rawTx' ? 'messagesTx' : 'messagesStatement';
  try {
    await migratePostgresDatabase(database.url);
    baseline = await forkWorker('load/postgres.ts');
    await baseline.request('connect', { url: database.url, max: POOL_SIZE });
    await baseline.request('createSessions', { count: Math.max(...options.levels) });
    await baseline.request(command, { concurrency: 5, durationMs: Math.min(1000, options.durationMs) });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    variant,
    // The same callers as the sockets: `window` per session, one session per socket.
    measure: async (level) => [
      await baseline!.request<Run>(command, { concurrency: level * options.window, durationMs: options.durationMs, sessions: level }),
    ],
    stop,
  };
}

/** Customer→agent-subscription latency with the agent on the same node and on another one. */
async function endToEnd(count: number) {
  const [database, redis] = await Promise.all([createPostgresDatabase(), startRedisServer()]);
  const token = `bench-admin-${randomBytes(12).toString('hex')}`;
  let a: ServerWorker | undefined;
  let b: ServerWorker | undefined;
  let load: Worker[] = [];
  try {
    const env = { DATABASE_URL: database.url, REDIS_URL: redis.url, ADMIN_TOKEN: token };
    a = await startAtende(env);
    b = await startAtende(env);
    load = await startSocketLoad(1);
    type E2E = { toAgent: number[]; acks: number[] };
    const same = await load[0]!.request<E2E>('endToEnd', { customerUrl: a.ready.url, agentUrl: a.ready.url, token, count });
    const cross = await load[0]!.request<E2E>('endToEnd', { customerUrl: a.ready.url, agentUrl: b.ready.url, token, count });
    return { same: summarize(same.toAgent), cross: summarize(cross.toAgent), ack: summarize([...same.acks, ...cross.acks]) };
  } finally {
    await stopAll([...load, a, b]);
    await redis.stop();
    await database.drop();
  }
}

/**
 * Every target up, each level run on each, back to back; then what each target with a database
 * stored against what its acks said.
 */
async function measureMessages(options: MessagesOptions): Promise<{ results: Record<Variant, Point[]>; stored: Partial<Record<Variant, StoredOnce>> }> {
  // Every target is up before the first level, and each level runs them back to back, so a
  // change in the machine's load (other processes) hits all of them at about the same time.
  const results = { group: [], naive: [], bare: [], socketStatement: [], rawTx: [], rawStatement: [] } as Record<Variant, Point[]>;
  const stored: Partial<Record<Variant, StoredOnce>> = {};
  const targets: Target[] = [];
  try {
    for (const variant of ['group', 'naive', 'bare', 'socketStatement'] as const) targets.push(await socketTarget(variant, options));
    for (const variant of ['rawTx', 'rawStatement'] as const) targets.push(await rawTarget(variant, options));
    for (const level of options.levels) {
      for (const target of targets) {
        const p = point(await target.measure(level));
        results[target.variant].push(p);
        console.log(`  ${LABELS[target.variant].padEnd(40)} ${String(level * options.window).padStart(4)} in flight: ${fmt(p.perSecond, 0)}/s ack p50 ${fmt(p.p50, 2)} p99 ${fmt(p.p99, 2)} ms`);
      }
    }
    for (const target of targets) {
      if (!target.checkStored) continue;
      const check = await target.checkStored();
      stored[target.variant] = check;
      console.log(
        `  ${LABELS[target.variant].padEnd(40)} ${check.acked} acked, ${check.stored} stored: ${check.missing} missing, ` +
          `${check.duplicated} duplicated, ${check.unacknowledged} stored without an ack, ${check.seqGaps} of ${check.sessions} sessions with a seq gap`,
      );
    }
  } finally {
    await Promise.all(targets.map((target) => target.stop()));
  }
  return { results, stored };
}

/**
 * Persisted `message:send` per second and ack latency at rising offered load, group commit
 * against one transaction per message, the bare Socket.IO relay (alone, and storing each message
 * with one INSERT) and raw postgres.js inserts;
 * then end-to-end latency to an agent's subscription on the same node and across nodes.
 */
export async function runMessages(options: MessagesOptions): Promise<ScenarioReport> {
  const { results, stored } = await measureMessages(options);
  const e2e = options.endToEndCount > 0 ? await endToEnd(options.endToEndCount) : undefined;
  if (e2e) console.log(`  end to end: same node p50 ${fmt(e2e.same.p50, 2)} ms, across nodes p50 ${fmt(e2e.cross.p50, 2)} ms`);

  const variants = Object.keys(LABELS) as Variant[];
  const throughput = markdownTable(
    ['in flight (sockets × window)', ...variants.map((v) => `${LABELS[v]} msg/s`), 'group / one tx', 'group / one INSERT', 'group / Socket.IO + one INSERT'],
    options.levels.map((level, i) => [
      `${level * options.window} (${level} × ${options.window})`,
      ...variants.map((v) => fmt(results[v][i]!.perSecond, 0)),
      ratio(results.group[i]!.perSecond, results.naive[i]!.perSecond),
      ratio(results.group[i]!.perSecond, results.rawStatement[i]!.perSecond),
      ratio(results.group[i]!.perSecond, results.socketStatement[i]!.perSecond),
    ]),
  );
  const latency = markdownTable(
    ['in flight', ...variants.map((v) => `${LABELS[v]} p50 / p99 ms`)],
    options.levels.map((level, i) => [level * options.window, ...variants.map((v) => `${fmt(results[v][i]!.p50, 2)} / ${fmt(results[v][i]!.p99, 2)}`)]),
  );
  const checked = Object.entries(stored) as Array<[Variant, StoredOnce]>;
  const sections = [throughput, latency];
  if (checked.length > 0) {
    sections.push(
      'Every acknowledged message in the database exactly once, checked after the levels, session by session (all levels and the warm-up):\n\n' +
        markdownTable(
          ['target', 'acked', 'stored', 'missing', 'duplicated', 'stored without an ack', 'sessions with a seq gap'],
          checked.map(([v, c]) => [
            LABELS[v],
            ...[c.acked, c.stored, c.missing, c.duplicated, c.unacknowledged].map((n) => n.toLocaleString('en-US')),
            `${c.seqGaps} of ${c.sessions}`,
          ]),
        ),
    );
  }
  if (e2e) {
    sections.push(
      markdownTable(
        ['customer → agent subscription (tickets.onEvent, SSE)', 'p50 ms', 'p99 ms'],
        [
          ['agent on the same node', fmt(e2e.same.p50, 2), fmt(e2e.same.p99, 2)],
          ['agent on another node (Redis)', fmt(e2e.cross.p50, 2), fmt(e2e.cross.p99, 2)],
          ['cross-node adds', fmt(e2e.cross.p50 - e2e.same.p50, 2), fmt(e2e.cross.p99 - e2e.same.p99, 2)],
        ],
      ),
    );
  }
  const peak = (v: Variant) => Math.max(...results[v].map((p) => p.perSecond));
  const best = results.group.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
  return {
    id: 'messages',
    title: '3. Messages',
    method:
      `Each level opens one session per socket (chat:start) and every socket keeps ${options.window} message(s) in flight ` +
      `(sends the next when one is acked) for ${options.durationMs / 1000} s; two load-generator processes. Throughput = acks/s ` +
      '(an Atende ack means committed). The raw postgres.js baselines run as many callers as there are messages in flight, ' +
      `on a pool of ${POOL_SIZE} connections like the node's, over sessions made the same way: one transaction per message (UPDATE the session’s ` +
      'last_seq RETURNING, INSERT, COMMIT — what Atende did before group commit) and one autocommitted INSERT per message ' +
      '(seq counted in the client; no session row, no lock); and bare Socket.IO running that INSERT for each `message:send` before ' +
      'it relays and acks the message (the socket hop without Atende). End to end: one customer sends one message at a time to node ' +
      `A, an agent follows the ticket with tickets.onEvent (SSE) on node A or on node B (Redis between them); ${options.endToEndCount} messages.`,
    sections,
    series: Object.fromEntries(
      variants.map((v) => [LABELS[v], results[v].map((p, i) => ({ x: options.levels[i]! * options.window, y: p.perSecond, p99: p.p99 }))]),
    ),
    figures: {
      groupPeak: peak('group'),
      naivePeak: peak('naive'),
      barePeak: peak('bare'),
      socketStatementPeak: peak('socketStatement'),
      rawTxPeak: peak('rawTx'),
      rawStatementPeak: peak('rawStatement'),
      groupOverNaive: peak('group') / peak('naive'),
      groupOverStatement: peak('group') / peak('rawStatement'),
      groupAckP99AtPeak: best.p99,
      errors: variants.reduce((s, v) => s + results[v].reduce((t, p) => t + p.errors, 0), 0),
      storedOnceViolations: checked.reduce((sum, [, c]) => sum + c.missing + c.duplicated + c.unacknowledged + c.seqGaps, 0),
      ...(e2e ? { e2eSameP50: e2e.same.p50, e2eCrossP50: e2e.cross.p50, crossAddsP50: e2e.cross.p50 - e2e.same.p50 } : {}),
    },
  };
}
