import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { SERVER_NODE_FLAGS } from '../scripts/bench/lib/workers.js';
import { renderDocument, type ScenarioReport } from '../scripts/bench/lib/report.js';
import { runAgentQueries } from '../scripts/bench/scenarios/agentQueries.js';
import { runChatStart } from '../scripts/bench/scenarios/chatStart.js';
import { runConnections } from '../scripts/bench/scenarios/connections.js';
import { growth, growthCharts } from '../scripts/bench/scenarios/growth.js';
import { runMessages } from '../scripts/bench/scenarios/messages.js';
import { runReports } from '../scripts/bench/scenarios/reports.js';
import { runRouting } from '../scripts/bench/scenarios/routing.js';

/** Every headline figure is a number (but `unsettled` ones) and no operation failed. */
function expectMeasured(report: ScenarioReport, errorFigures: string[] = ['errors'], unsettled: string[] = []) {
  expect(report.skipped).toBeUndefined();
  expect(Object.keys(report.figures).length).toBeGreaterThan(0);
  for (const [name, value] of Object.entries(report.figures)) {
    if (!unsettled.includes(name)) expect(Number.isNaN(value), `${report.id}: ${name}`).toBe(false);
  }
  for (const name of errorFigures) expect(report.figures[name], `${report.id}: ${name}`).toBe(0);
  for (const section of report.sections) expect(section).not.toContain('NaN');
}

// The benchmark suite at toy sizes: the harness (servers, load generators, baselines, the
// report) keeps working; the figures themselves mean nothing at this size.
it('runs its servers with the Node flags `npm start` gives its node', () => {
  const start = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start.split(' ');
  expect(SERVER_NODE_FLAGS.length).toBeGreaterThan(0);
  for (const flag of SERVER_NODE_FLAGS) expect(start).toContain(flag);
});

describe.skipIf(!inject('postgresAvailable'))('npm run bench, tiny', () => {
  const reports: ScenarioReport[] = [];

  it('1. connections held, Atende and bare', { timeout: 240_000 }, async () => {
    const report = await runConnections({ sizes: [20], socketsPerGenerator: 10 });
    // RSS moves by whole pages: twenty sockets may not move it at all (a 0/0 ratio).
    expectMeasured(report, ['failed'], ['rssRatio']);
    expect(report.figures.sockets).toBe(20);
    reports.push(report);
  });

  it('2. chat start against raw postgres.js, alone and behind bare Socket.IO', { timeout: 240_000 }, async () => {
    const report = await runChatStart({ levels: [1, 2], durationMs: 300 });
    expectMeasured(report, ['errors', 'socketRawUnstored']);
    expect(report.figures.atendePeak).toBeGreaterThan(0);
    expect(report.figures.rawPeak).toBeGreaterThan(0);
    expect(report.figures.socketRawPeak).toBeGreaterThan(0);
    reports.push(report);
  });

  it('3. messages: group commit, one tx each, bare relay, bare relay storing, raw inserts, end to end across nodes', { timeout: 240_000 }, async () => {
    const report = await runMessages({ levels: [2, 4], window: 2, durationMs: 300, endToEndCount: 5 });
    expectMeasured(report, ['errors', 'storedOnceViolations']);
    for (const figure of ['groupPeak', 'naivePeak', 'barePeak', 'socketStatementPeak', 'rawTxPeak', 'rawStatementPeak', 'e2eSameP50', 'e2eCrossP50']) {
      expect(report.figures[figure], figure).toBeGreaterThan(0);
    }
    reports.push(report);
  });

  it('4. agent queries with their plans', { timeout: 240_000 }, async () => {
    const report = await runAgentQueries({ tickets: 500, messages: 2000, runs: 3 });
    expectMeasured(report, []);
    expect(report.sections[0]).toContain('clients.history');
    reports.push(report);
  });

  it('6. routing: chat starts with least_busy against manual', { timeout: 240_000 }, async () => {
    const report = await runRouting({ levels: [2, 2], durationMs: 300, agents: 2 });
    expectMeasured(report);
    expect(report.figures.routedPeak).toBeGreaterThan(0);
    expect(report.figures.manualPeak).toBeGreaterThan(0);
    expect(report.figures.medianRatio).toBeGreaterThan(0);
    // The routed node's chats were really assigned.
    expect(report.figures.assignedShare).toBe(1);
    reports.push(report);
  });

  it('7. reports: metrics.timeseries and the summary over 30 days, with their plans', { timeout: 240_000 }, async () => {
    const report = await runReports({ tickets: 500, runs: 3 });
    expectMeasured(report, []);
    expect(report.sections[0]).toContain('metrics.timeseries 30 days by hour');
    expect(report.figures.ticketsIn30Days).toBeGreaterThan(0);
  });

  it('5. growth, its curves as SVG, and the whole document', () => {
    const growthReport = growth(reports);
    expect(growthReport?.sections.join('\n')).toContain('Messages per second');
    const charts = growthCharts(reports);
    expect(charts.map((c) => c.file)).toEqual(['memory-per-socket.svg', 'messages-per-second.svg', 'ack-p99.svg']);
    for (const chart of charts) {
      expect(chart.svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      expect(chart.svg).toContain('<polyline');
      expect(chart.svg).not.toContain('NaN');
      expect(growthReport?.sections.join('\n')).toContain(`](docs/bench/${chart.file})`);
    }
    const document = renderDocument({ reports: [...reports, growthReport!], machine: '- test', command: 'npm test', minutes: 0, analysis: '' });
    for (const title of ['1. Connections held', '2. Chat start', '3. Messages', '4. Agent queries', '5. Growth', '6. Routing']) {
      expect(document).toContain(`## ${title}`);
    }
  });
});
