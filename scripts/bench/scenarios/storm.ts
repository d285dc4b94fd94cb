import postgres from 'postgres';
import { fmt, markdownTable, summarize } from '../lib/stats.js';
import type { ScenarioReport } from '../lib/report.js';
import { createPostgresDatabase, startAtende, startRedisServer, startSocketLoad, stopAll, type ServerWorker } from '../lib/services.js';
import type { Worker } from '../lib/workers.js';

export interface StormOptions {
  /** Visitors on the node that dies, each in a chat of its own with one acknowledged message. */
  visitors: number;
  /** Visitors per load-generator process (each binds its own 127.0.0.x). */
  perGenerator?: number;
}

interface StormRun {
  sessions: number;
  resumedAt: number[];
  connectMs: number[];
  resumeMs: number[];
  handshakeFailures: number;
  refusals: number;
  resumeErrors: number;
  lost: number;
  firstError?: string;
  ms: number;
}

interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

interface Wave {
  label: string;
  visitors: number;
  resumed: number;
  handshakeFailures: number;
  refusals: number;
  resumeErrors: number;
  lost: number;
  stored: number;
  duplicates: number;
  allResumedMs: number;
  resumeMs: ReturnType<typeof summarize>;
  lag: LoopDelay;
}

/**
 * The reconnect storm after a node dies (issue 16): two nodes on one PostgreSQL and one Redis;
 * every visitor chats on node A and has one message acknowledged; A is SIGKILLed and every
 * visitor reconnects to B and sends `chat:resume` — all at once, and again spread over the
 * widget's first backoff step. Measured on B: time until every visitor has resumed, handshakes
 * that failed, refusals (answered with a retry-after the client honours), and B's event-loop
 * delay over the storm (perf_hooks.monitorEventLoopDelay, 10 ms resolution). Then, in the
 * database: every acknowledged message stored exactly once.
 */
export async function runStorm(options: StormOptions): Promise<ScenarioReport> {
  const perGenerator = options.perGenerator ?? 5000;
  const waves: Wave[] = [];
  for (const [label, spreadMs] of [
    ['all at once', 0],
    ['spread over 0–0.5 s', 500],
  ] as const) {
    waves.push(await runWave(label, options.visitors, perGenerator, spreadMs));
  }
  const rows = waves.map((w) => [
    w.label,
    w.visitors.toLocaleString('en-US'),
    w.resumed.toLocaleString('en-US'),
    fmt(w.allResumedMs / 1000, 2),
    `${fmt(w.resumeMs.p50, 0)} / ${fmt(w.resumeMs.p99, 0)}`,
    w.handshakeFailures,
    w.refusals,
    w.resumeErrors,
    `${fmt(w.lag.p50, 1)} / ${fmt(w.lag.p99, 1)} / ${fmt(w.lag.max, 0)}`,
    `${w.stored.toLocaleString('en-US')} / ${w.duplicates} / ${w.lost}`,
  ]);
  const hard = waves[0]!;
  return {
    id: 'storm',
    title: '8. Reconnect storm',
    method:
      `Two Atende nodes over one PostgreSQL database and one Redis. ${options.visitors.toLocaleString('en-US')} visitors ` +
      `(socket.io-client, WebSocket transport, load-generator processes of ≤ ${perGenerator.toLocaleString('en-US')} each, ` +
      'each bound to its own 127.0.0.x) start a chat on node A and have one message acknowledged. A is killed with SIGKILL ' +
      'and every visitor opens a new socket to node B and sends `chat:resume` (`lastSeq` 0), all at once; then the same ' +
      'with each visitor waiting a random 0–500 ms first, as the widget’s jittered first reconnect does. A refusal with ' +
      '`retryAfterMs` is waited out and retried (counted as a refusal); any other failed handshake counts as failed. Times ' +
      'from the kill; event-loop delay on B over the storm; afterwards the database must hold every acknowledged message once.',
    sections: [
      markdownTable(
        [
          'wave',
          'visitors',
          'resumed',
          'all resumed after s',
          'resume p50 / p99 ms',
          'handshakes failed',
          'refusals (retried)',
          'resume errors',
          'B event-loop delay p50 / p99 / max ms',
          'acked messages stored / duplicated / missing from resume',
        ],
        rows,
      ),
    ],
    figures: {
      visitors: hard.visitors,
      resumed: hard.resumed,
      allResumedMs: hard.allResumedMs,
      handshakeFailures: hard.handshakeFailures,
      lagP99: hard.lag.p99,
      lost: hard.lost,
    },
  };
}

async function runWave(label: string, visitors: number, perGenerator: number, spreadMs: number): Promise<Wave> {
  const database = await createPostgresDatabase();
  const redis = await startRedisServer();
  let servers: ServerWorker[] = [];
  let load: Worker[] = [];
  const sql = postgres(database.url, { max: 1, onnotice: () => {} });
  try {
    const env = { DATABASE_URL: database.url, REDIS_URL: redis.url };
    servers = await Promise.all([startAtende(env), startAtende(env)]);
    const [doomed, survivor] = servers as [ServerWorker, ServerWorker];
    const generators = Math.max(1, Math.ceil(visitors / perGenerator));
    load = await startSocketLoad(generators);
    const opened = await Promise.all(
      load.map((generator, g) =>
        generator.request<{ held: number; failed: number; firstError?: string }>('open', {
          url: doomed.ready.url,
          count: Math.floor(visitors / generators) + (g < visitors % generators ? 1 : 0),
          concurrency: 100,
          localAddress: `127.0.0.${2 + g}`,
        }),
      ),
    );
    const failedOpen = opened.reduce((sum, o) => sum + o.failed, 0);
    if (failedOpen > 0) console.warn(`  ${failedOpen} visitors failed to start (${opened.find((o) => o.firstError)?.firstError})`);
    const sent = await Promise.all(load.map((generator) => generator.request<{ clientMsgIds: string[] }>('sendOne')));
    const acked = sent.flatMap((s) => s.clientMsgIds);

    await survivor.request('loopDelay', { reset: true });
    doomed.child.kill('SIGKILL');
    const runs = await Promise.all(
      load.map((generator, g) => generator.request<StormRun>('storm', { url: survivor.ready.url, spreadMs, localAddress: `127.0.0.${2 + g}` })),
    );
    const lag = await survivor.request<LoopDelay>('loopDelay', { reset: true });

    const [counts] = await sql<Array<{ stored: number; duplicates: number }>>`
      select count(distinct client_msg_id)::int as stored, (count(*) - count(distinct client_msg_id))::int as duplicates
      from chat_messages where client_msg_id = any(${acked})`;
    const resumedAt = runs.flatMap((run) => run.resumedAt);
    const wave: Wave = {
      label,
      visitors: runs.reduce((sum, run) => sum + run.sessions, 0),
      resumed: resumedAt.length,
      handshakeFailures: runs.reduce((sum, run) => sum + run.handshakeFailures, 0),
      refusals: runs.reduce((sum, run) => sum + run.refusals, 0),
      resumeErrors: runs.reduce((sum, run) => sum + run.resumeErrors, 0),
      lost: runs.reduce((sum, run) => sum + run.lost, 0) + (acked.length - (counts?.stored ?? 0)),
      stored: counts?.stored ?? 0,
      duplicates: counts?.duplicates ?? 0,
      allResumedMs: Math.max(...runs.map((run) => run.ms)),
      resumeMs: summarize(resumedAt),
      lag,
    };
    const firstError = runs.find((run) => run.firstError)?.firstError;
    const connects = summarize(runs.flatMap((run) => run.connectMs));
    const resumes = summarize(runs.flatMap((run) => run.resumeMs));
    console.log(`  handshake p50/p99/max ${fmt(connects.p50, 0)}/${fmt(connects.p99, 0)}/${fmt(connects.max, 0)} ms; resume ack ${fmt(resumes.p50, 0)}/${fmt(resumes.p99, 0)}/${fmt(resumes.max, 0)} ms; lag max ${fmt(lag.max, 0)} ms`);
    console.log(
      `  ${label}: ${wave.resumed}/${wave.visitors} resumed in ${fmt(wave.allResumedMs / 1000, 2)} s, ` +
        `${wave.handshakeFailures} handshakes failed, ${wave.refusals} refusals, lag p99 ${fmt(lag.p99)} ms` +
        (firstError ? ` (${firstError})` : ''),
    );
    await Promise.all(load.map((generator) => generator.request('close')));
    return wave;
  } finally {
    await sql.end();
    await stopAll([...load, ...servers]);
    await redis.stop();
    await database.drop();
  }
}
