/**
 * `npm run bench`: every scenario of the benchmark suite, each against its baseline in the same
 * run, printed and written to BENCHMARKS.md. Needs PostgreSQL (TEST_POSTGRES_URL or
 * postgres://postgres@127.0.0.1:5432) and redis-server on the PATH.
 *
 *   npm run bench                         default sizes (about 5 minutes)
 *   npm run bench -- --full               issue sizes: 1k/5k/18k sockets, 1M tickets / 5M messages, 1M tickets for reports, a storm of 10k
 *   npm run bench -- --only messages      one scenario (connections, chat-start, messages, agent-queries, routing, reports, storm)
 *   npm run bench -- --sockets 1000,5000,18000 --tickets 1000000 --messages 5000000
 *   npm run bench -- --out /tmp/b.md      somewhere else (--out - prints only)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeMachine } from './lib/machine.js';
import { renderDocument, skipped, type ScenarioReport } from './lib/report.js';
import { postgresAvailable } from './lib/services.js';
import { growth, GROWTH_CHART_DIR, growthCharts } from './scenarios/growth.js';
import { runAgentQueries } from './scenarios/agentQueries.js';
import { runChatStart } from './scenarios/chatStart.js';
import { runConnections } from './scenarios/connections.js';
import { runMessages } from './scenarios/messages.js';
import { runRouting } from './scenarios/routing.js';
import { runReports } from './scenarios/reports.js';
import { runStorm } from './scenarios/storm.js';

const ROOT = resolve(import.meta.dirname, '../..');
const { values } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    only: { type: 'string' },
    sockets: { type: 'string' },
    'start-levels': { type: 'string', default: '1,4,16,48' },
    'message-levels': { type: 'string', default: '10,50,150,400' },
    window: { type: 'string', default: '2' },
    duration: { type: 'string', default: '5' },
    e2e: { type: 'string', default: '300' },
    tickets: { type: 'string' },
    messages: { type: 'string' },
    runs: { type: 'string', default: '200' },
    'report-tickets': { type: 'string' },
    'report-runs': { type: 'string', default: '100' },
    'storm-visitors': { type: 'string' },
    out: { type: 'string', default: 'BENCHMARKS.md' },
  },
});
const numbers = (text: string) => text.split(',').map(Number);
const only = values.only ? new Set(values.only.split(',')) : undefined;
const wanted = (id: string) => !only || only.has(id);
const durationMs = Number(values.duration) * 1000;

if (!(await postgresAvailable())) {
  console.error('PostgreSQL is not reachable (TEST_POSTGRES_URL or postgres://postgres@127.0.0.1:5432): the benchmarks need it.');
  process.exit(1);
}

const began = Date.now();
const reports: ScenarioReport[] = [];
const step = async (id: string, title: string, run: () => Promise<ScenarioReport>) => {
  if (!wanted(id)) return;
  console.log(`\n${title}`);
  try {
    reports.push(await run());
  } catch (error) {
    console.error(error);
    reports.push(skipped(id, title, `failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`));
  }
};

await step('connections', '1. Connections held', () =>
  runConnections({ sizes: numbers(values.sockets ?? (values.full ? '1000,5000,18000' : '1000,5000')) }),
);
await step('chat-start', '2. Chat start', () => runChatStart({ levels: numbers(values['start-levels']), durationMs }));
await step('messages', '3. Messages', () =>
  runMessages({ levels: numbers(values['message-levels']), window: Number(values.window), durationMs, endToEndCount: Number(values.e2e) }),
);
await step('agent-queries', '4. Agent queries', () =>
  runAgentQueries({
    tickets: Number(values.tickets ?? (values.full ? 1_000_000 : 100_000)),
    messages: Number(values.messages ?? (values.full ? 5_000_000 : 500_000)),
    runs: Number(values.runs),
  }),
);
const growthReport = growth(reports);
if (growthReport) reports.push(growthReport);
await step('routing', '6. Routing', () => runRouting({ levels: numbers(values['start-levels']), durationMs }));
await step('reports', '7. Reports', () =>
  runReports({ tickets: Number(values['report-tickets'] ?? (values.full ? 1_000_000 : 100_000)), runs: Number(values['report-runs']) }),
);

await step('storm', '8. Reconnect storm', () => runStorm({ visitors: Number(values['storm-visitors'] ?? (values.full ? 10_000 : 2_000)) }));

const document = renderDocument({
  reports,
  machine: await describeMachine(),
  command: `npm run bench${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  minutes: (Date.now() - began) / 60_000,
  analysis: readAnalysis(),
});

console.log(`\n${document}`);
if (values.out !== '-') {
  writeFileSync(resolve(ROOT, values.out), document);
  console.log(`written to ${values.out}`);
  // The growth curves BENCHMARKS.md shows, drawn from this run's series.
  const charts = growthCharts(reports);
  if (charts.length) mkdirSync(resolve(ROOT, GROWTH_CHART_DIR), { recursive: true });
  for (const chart of charts) writeFileSync(resolve(ROOT, GROWTH_CHART_DIR, chart.file), chart.svg);
  if (charts.length) console.log(`curves drawn in ${GROWTH_CHART_DIR}/: ${charts.map((c) => c.file).join(', ')}`);
}

/** The hand-written reading of the figures (scripts/bench/analysis.md), kept across runs. */
function readAnalysis(): string {
  try {
    return readFileSync(resolve(import.meta.dirname, 'analysis.md'), 'utf8');
  } catch {
    return '';
  }
}
