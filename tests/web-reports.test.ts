import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AtendeNode } from '../server/main.js';
import { TICKET_SOURCES } from '../shared/tickets.js';
import { agentClient, newAdminToken, type AgentClient } from './support/agent.js';
import { launchBrowser, screenshot } from './support/browser.js';
import { uniqueContact } from './support/customer.js';
import { openTestPglite, type TestDatabase } from './support/databases.js';
import { startTestNode } from './support/node.js';
import { seedReportTickets, type ReportSeed } from './support/reportSeed.js';
import { parseAutomations } from '../server/automations/automationsConfig.js';

/** Routing `manual`: no sweep re-queues the seeded chats of agents who are offline (they always are here) while the figures are read. */
const SEEDED_DATA_STAYS = parseAutomations({ routing: { mode: 'manual' } });

/**
 * PROTOCOL §12 in Debian's Chromium: the Reports page loads as its own chunk, draws its charts,
 * its tables add up to `metrics.summary` for the same period, and each CSV holds the table's
 * rows. PGlite only: the figures are checked on both drivers in agent-metrics-timeseries.
 */

const ZONE = 'America/Sao_Paulo';
// Monday 10 to Sunday 16 March 2003 in São Paulo (UTC−3): [10 Mar 03:00Z, 17 Mar 03:00Z).
const PERIOD = { first: '2003-03-10', last: '2003-03-16', from: '2003-03-10T03:00:00.000Z', to: '2003-03-17T03:00:00.000Z' };

let database: TestDatabase;
let node: AtendeNode;
let browser: Browser;
let admin: AgentClient;
let adminToken: string;
let agentName: string;

beforeAll(async () => {
  database = await openTestPglite();
  adminToken = newAdminToken();
  [node, browser] = await Promise.all([startTestNode(database.handle, { ADMIN_TOKEN: adminToken }, { automations: SEEDED_DATA_STAYS }), launchBrowser()]);
  admin = agentClient(node.url, adminToken);
  agentName = 'Ana Relatórios';
  const ana = (await admin.agents.create.mutate({ name: agentName, email: uniqueContact('Ana').email, role: 'agent' })).agent;
  const seeds: ReportSeed[] = [
    { source: 'chat', createdAt: '2003-03-10T02:59:59Z' }, // Sunday 9th, local: outside
    { source: 'chat', createdAt: '2003-03-10T03:00:00Z', answeredAfterS: 40, status: 'RESOLVED', assigneeId: ana.id }, // Mon 00:00
    { source: 'chat', createdAt: '2003-03-10T17:15:00Z', answeredAfterS: 100, assigneeId: ana.id }, // Mon 14:15
    { source: 'chat', createdAt: '2003-03-12T13:05:00Z', unanswered: true }, // Wed 10:05
    { source: 'chat', createdAt: '2003-03-12T13:40:00Z', answeredAfterS: 20, status: 'CLOSED' }, // Wed 10:40
    { source: 'email', createdAt: '2003-03-13T12:00:00Z', status: 'RESOLVED' },
    { source: 'phone', createdAt: '2003-03-14T20:00:00Z' },
    { source: 'web', createdAt: '2003-03-16T23:00:00Z' }, // Sun 20:00
    { source: 'api', createdAt: '2003-03-17T02:59:59Z', status: 'CLOSED' }, // Sun 23:59:59, the last second
    { source: 'chat', createdAt: '2003-03-17T03:00:00Z' }, // Mon 17th: outside
  ];
  await seedReportTickets(node, database, admin, seeds);
});

afterAll(async () => {
  await browser?.close();
  await node?.stop();
  await database?.close();
});

async function signedIn(locale: string): Promise<{ context: BrowserContext; page: Page; errors: string[]; scripts: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale, timezoneId: ZONE, acceptDownloads: true });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  const errors: string[] = [];
  const scripts: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('request', (request) => {
    if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname);
  });
  await page.goto(`${node.url}/console`);
  await page.locator('#token').fill(adminToken);
  await page.locator('form.signin button[type=submit]').click();
  await page.locator('main#main h1').waitFor();
  return { context, page, errors, scripts };
}

/** A table's cells as the `data-value`s the CSV is made of. */
async function tableValues(page: Page, id: string, part: 'thead' | 'tbody' | 'tfoot'): Promise<string[][]> {
  return page.locator(`#${id}-table ${part} tr`).evaluateAll((rows) =>
    rows.map((row) => [...row.querySelectorAll('th, td')].map((cell) => cell.getAttribute('data-value') ?? cell.textContent ?? '')),
  );
}

function parseCsv(text: string): string[][] {
  return text
    .replace(/^\uFEFF/, '')
    .trimEnd()
    .split('\r\n')
    .map((line) => line.split(',').map((cell) => cell.replace(/^"(.*)"$/, '$1').replace(/""/g, '"')));
}

it('loads as its own chunk, draws its charts, and its tables add up to metrics.summary for the period', async () => {
  const { context, page, errors, scripts } = await signedIn('pt-BR');
  try {
    expect(scripts.some((s) => /reportsPage-/.test(s)), 'not loaded before the page opens').toBe(false);
    await page.getByRole('link', { name: 'Relatórios' }).click();
    await page.locator('main[data-loaded]').waitFor();
    expect(scripts.some((s) => /reportsPage-/.test(s))).toBe(true);
    await page.evaluate((hash) => (location.hash = hash), `#/reports?period=custom&from=${PERIOD.first}&to=${PERIOD.last}`);
    await page.locator('main[data-loaded]').waitFor();
    await page.getByRole('heading', { name: 'Relatórios', level: 1 }).waitFor();
    expect(await page.locator('#report-from').inputValue()).toBe(PERIOD.first);

    // Three uPlot charts, drawn on canvases wider than their minimum.
    const canvases = page.locator('section.report .chart canvas');
    expect(await canvases.count()).toBe(3);
    for (const width of await canvases.evaluateAll((all) => all.map((c) => (c as HTMLCanvasElement).width))) expect(width).toBeGreaterThan(300);

    const summary = await admin.metrics.summary.query({ from: PERIOD.from, to: PERIOD.to });
    expect(summary.chatTickets).toBe(4);

    // Conversations by channel: a row per day, totals equal to the summary's.
    const days = await tableValues(page, 'channels', 'tbody');
    expect(days).toHaveLength(7);
    expect(days[0]![0]).toBe(PERIOD.from);
    const [totals] = await tableValues(page, 'channels', 'tfoot');
    expect(totals!.slice(1).map(Number)).toEqual([...TICKET_SOURCES.map((s) => summary.ticketsBySource[s]), 9 - 1]);
    const [unanswered] = await tableValues(page, 'unanswered', 'tfoot');
    expect(Number(unanswered![1])).toBe(summary.chatTickets);
    expect(Number(unanswered![2])).toBe(summary.unansweredChats);
    const [resolution] = await tableValues(page, 'resolution', 'tfoot');
    expect(Number(resolution![2])).toBe(4); // the chats at Mon 00:00 and Wed 10:40, the e-mail, the API ticket
    expect(await page.locator('[data-card="chats"] dd').textContent()).toBe('4');
    expect(await page.locator('[data-card="first-p50"] dd').textContent()).toBe('40 s');
    expect(await page.locator('[data-card="csat"] dd').textContent()).toBe('—');

    // The weekday × hour map, in the browser's time zone.
    const heat = await tableValues(page, 'heatmap', 'tbody');
    expect(heat[1]![1 + 0]).toBe('1'); // Monday 00h
    expect(heat[1]![1 + 14]).toBe('1'); // Monday 14h
    expect(heat[3]![1 + 10]).toBe('2'); // Wednesday 10h
    const [heatTotals] = await tableValues(page, 'heatmap', 'tfoot');
    expect(Number(heatTotals!.at(-1))).toBe(summary.chatTickets);

    // By agent, named.
    const agents = await tableValues(page, 'agents', 'tbody');
    expect(agents).toEqual([[agentName, '2', '70000', '0']]);
    expect(summary.byAgent).toEqual([expect.objectContaining({ chats: 2, firstResponseMsP50: 70_000 })]);

    // Each CSV is its table: header, rows, totals.
    for (const id of ['channels', 'heatmap', 'agents']) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator(`button[data-csv="${id}"]`).click()]);
      expect(download.suggestedFilename()).toBe(`${id}.csv`);
      const csv = parseCsv(readFileSync((await download.path())!, 'utf8'));
      const header = await page.locator(`#${id}-table thead th`).allTextContents();
      expect(csv).toEqual([header, ...(await tableValues(page, id, 'tbody')), ...(await tableValues(page, id, 'tfoot'))]);
    }
    await screenshot(page, 'console-reports');
    expect(errors).toEqual([]);
  } finally {
    await context.close();
  }
});

it('the period picker moves to the last 30 days; English browsers read it in English', async () => {
  const { context, page, errors } = await signedIn('en-US');
  try {
    await page.getByRole('link', { name: 'Reports' }).click();
    await page.getByRole('heading', { name: 'Reports', level: 1 }).waitFor();
    await page.locator('main[data-loaded]').waitFor();
    expect(await page.locator('#channels-table tbody tr').count()).toBe(7);
    await page.getByLabel('30 days').check();
    await page.waitForFunction(() => location.hash === '#/reports?period=30d');
    await page.locator('#channels-table tbody tr').nth(29).waitFor();
    expect(await page.locator('#channels-table tbody tr').count()).toBe(30);
    await page.getByLabel('Today').check();
    await page.waitForFunction(() => document.querySelectorAll('#channels-table tbody tr').length === 24);
    // A custom period the API would refuse is refused on the page.
    await page.evaluate(() => (location.hash = '#/reports?period=custom&from=2003-01-01&to=2004-06-01'));
    await page.getByText('Pick a period of at most 366 days').waitFor();
    expect(errors).toEqual([]);
  } finally {
    await context.close();
  }
});
