import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AtendeNode } from '../server/main.js';
import { CHAT_NAMESPACE, sessionRoom, type ServerToClientEvents } from '../shared/chat.js';
import { agentClient, newAdminToken, type AgentClient } from './support/agent.js';
import { launchBrowser, newContext, screenshot } from './support/browser.js';
import { requestOk, uniqueContact } from './support/customer.js';
import { openTestPglite, type TestDatabase } from './support/databases.js';
import { startTestNode } from './support/node.js';
import { createAgents, goOffline, goOnline, startWaitingChat } from './support/routing.js';
import { parseAutomations } from '../server/automations/automationsConfig.js';

/**
 * PROTOCOL §8 "The visitor waits knowingly", in Debian's Chromium: the visitor's widget shows
 * its place in the queue and the agent who joins, in pt-BR and in English, with the queue's
 * words and CSS fetched only when the first of those events arrives.
 *
 * The first test waits in a real queue (routing `least_busy`, nobody online until Maria comes).
 * The others run on a node with routing `manual` (no queue), where the test itself emits
 * `queue:position` and hostile payloads to the session's room, as a faulty server could.
 */

const BUDGET_BYTES = 60 * 1024;
const WEB = resolve(import.meta.dirname, '../dist/web');

let database: TestDatabase;
let node: AtendeNode;
/** A node of its own database that routes chats (`least_busy`). */
let routingDatabase: TestDatabase;
let routingNode: AtendeNode;
let routingAdmin: AgentClient;
let browser: Browser;
let admin: AgentClient;
let maria: { id: string };
/** Another site (another origin) that embeds the widget in English. */
let shop: Server;
let shopOrigin: string;

beforeAll(async () => {
  database = await openTestPglite();
  shop = createServer((_req, res) => {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(`<!doctype html><html lang="en"><head></head><body><h1>Another shop</h1>
      <script src="${node.url}/widget.js" data-atende-url="${node.url}" data-locale="en" data-phone-region="US" async></script></body></html>`);
  });
  await new Promise<void>((done) => shop.listen(0, '127.0.0.1', done));
  shopOrigin = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
  const adminToken = newAdminToken();
  routingDatabase = await openTestPglite();
  [node, routingNode, browser] = await Promise.all([
    startTestNode(database.handle, { ADMIN_TOKEN: adminToken, CORS_ORIGINS: shopOrigin }, {
      automations: parseAutomations({ routing: { mode: 'manual' } }),
    }),
    startTestNode(routingDatabase.handle, { ADMIN_TOKEN: adminToken }),
    launchBrowser(),
  ]);
  admin = agentClient(node.url, adminToken);
  routingAdmin = agentClient(routingNode.url, adminToken);
  maria = (await admin.agents.create.mutate({ name: 'Maria', email: uniqueContact('Maria').email, role: 'agent' })).agent;
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([node?.stop(), routingNode?.stop()]);
  await Promise.all([database?.close(), routingDatabase?.close()]);
  shop?.close();
});

/** The widget's files as the last build wrote them (tests/support/webBuild.ts builds before the run). */
function widgetFiles(): { firstLoad: string[]; lazy: Record<string, string[]> } {
  return JSON.parse(readFileSync(join(WEB, 'build.json'), 'utf8')).widget;
}

/** Emits to every socket of the session, as the node's routing does. */
function toSession<E extends keyof ServerToClientEvents>(sessionId: string, event: E, ...payload: Parameters<ServerToClientEvents[E]>) {
  node.io.of(CHAT_NAMESPACE).to(sessionRoom(sessionId)).emit(event, ...payload);
}

/** Every request of the page for the widget's files, in order. */
function recordWidgetRequests(page: Page): Request[] {
  const requests: Request[] = [];
  page.on('request', (request) => {
    const { pathname } = new URL(request.url());
    if (pathname === '/widget.js' || pathname.startsWith('/widget/')) requests.push(request);
  });
  return requests;
}
const pathOf = (request: Request) => new URL(request.url()).pathname.slice(1);

/** Fills the pre-chat form and starts the chat; returns the ticket's id and its chat session. */
async function startChat(page: Page, labels: { name: string; phone: string; start: string }, phone: string, api = admin) {
  const contact = uniqueContact('Vera Fila');
  await page.getByLabel(labels.name, { exact: true }).fill(contact.name);
  await page.getByLabel('E-mail', { exact: true }).fill(contact.email);
  await page.getByLabel(labels.phone, { exact: true }).fill(phone);
  await page.getByRole('button', { name: labels.start }).click();
  const ticket = page.locator('#atende-widget .ticket');
  await ticket.getByText(/^Ticket #\d+$/).waitFor();
  const number = Number((await ticket.textContent())!.replace('Ticket #', ''));
  const found = await api.tickets.get.query({ number });
  return { ticketId: found.id, sessionId: found.chatSessions[0]!.id };
}

const queueLine = (page: Page) => page.locator('#atende-widget .queue');
const joinedLines = (page: Page) => page.locator('#atende-widget li.notice[data-notice="agentJoined"]');

describe('the visitor waits knowingly', () => {
  it('pt-BR, routed: the visitor waits 2nd behind another chat, moves up when it ends, and Maria coming online joins; the queue part loads only then, in a polite live region', async () => {
    const { context, page, errors } = await newContext(browser);
    const ahead = await startWaitingChat(routingNode.url, 'Chegou Antes');
    try {
      await ahead.position(1);
      const requests = recordWidgetRequests(page);
      const { firstLoad, lazy } = widgetFiles();
      const queueFiles = lazy.queue!;
      await page.goto(`${routingNode.url}/`);
      await page.getByRole('button', { name: 'Fale conosco' }).click();
      await page.getByLabel('Nome', { exact: true }).waitFor();

      // First load: the loader, the entry and its chunks, all of it within the budget as the
      // browser downloaded it (compressed); nothing of the queue.
      expect(requests.map(pathOf)).toEqual(firstLoad);
      let downloaded = 0;
      for (const request of requests) {
        const response = await request.response();
        expect(response?.status(), request.url()).toBe(200);
        downloaded += (await request.sizes()).responseBodySize;
      }
      console.info(`first load as downloaded by Chromium: ${downloaded} bytes (budget ${BUDGET_BYTES})`);
      expect(downloaded).toBeGreaterThan(10_000);
      expect(downloaded).toBeLessThanOrEqual(BUDGET_BYTES);
      // The live region is there, empty, before anything is said in it.
      expect(await queueLine(page).getAttribute('aria-live')).toBe('polite');
      expect(await queueLine(page).textContent()).toBe('');

      const queuePartRequested = page.waitForRequest((request) => pathOf(request) === queueFiles[0]);
      await startChat(page, { name: 'Nome', phone: 'Telefone', start: 'Iniciar conversa' }, '(11) 98765-4321', routingAdmin);
      await queueLine(page).getByText('Você é o 2º na fila', { exact: true }).waitFor();
      await queuePartRequested;
      expect(await page.getByRole('status').filter({ hasText: 'Você é o 2º na fila' }).getAttribute('aria-live')).toBe('polite');
      await screenshot(page, 'queue-01-pt-waiting');

      // The chat ahead ends: one place up.
      await requestOk(ahead.socket, 'chat:close', {});
      await queueLine(page).getByText('Você é o 1º na fila', { exact: true }).waitFor();

      // Maria comes online: routing assigns her the chat that waits.
      const [maria] = await createAgents(routingNode.url, routingAdmin, ['Maria']);
      await goOnline(maria!);
      await joinedLines(page).getByText('Maria entrou na conversa', { exact: true }).waitFor();
      expect(await queueLine(page).textContent()).toBe('');
      // In the transcript, a live log: read out as it appears.
      expect(await joinedLines(page).evaluate((li) => li.closest('[role="log"]')?.getAttribute('aria-live'))).toBe('polite');
      await screenshot(page, 'queue-02-pt-agent-joined');
      await goOffline(maria!);

      // The part was fetched once, and nothing else after the first load.
      expect(requests.map(pathOf)).toEqual([...firstLoad, ...queueFiles]);
      expect(errors).toEqual([]);
    } finally {
      ahead.socket.disconnect();
      await context.close();
    }
  });

  it('a visitor never queued (routing manual) never downloads the queue part', async () => {
    const { context, page, errors } = await newContext(browser);
    try {
      const requests = recordWidgetRequests(page);
      await page.goto(`${node.url}/`);
      await page.getByRole('button', { name: 'Fale conosco' }).click();
      const { sessionId } = await startChat(page, { name: 'Nome', phone: 'Telefone', start: 'Iniciar conversa' }, '(21) 98765-4321');
      // A later event on the same socket: once it is shown, anything sent before was handled.
      toSession(sessionId, 'ticket:updated', { ticketNumber: 1, status: 'PENDING' });
      await page.getByText('Status do ticket: Pendente').waitFor();
      expect(requests.map(pathOf)).toEqual(widgetFiles().firstLoad);
      expect(await queueLine(page).textContent()).toBe('');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('English, on another site: ordinals in English; malformed or hostile payloads change nothing or show as text', async () => {
    const { context, page, errors } = await newContext(browser);
    try {
      const requests = recordWidgetRequests(page);
      await page.goto(`${shopOrigin}/product`);
      await page.getByRole('button', { name: 'Chat with us' }).click();
      const { ticketId, sessionId } = await startChat(page, { name: 'Name', phone: 'Phone', start: 'Start chat' }, '(201) 555-0123');

      toSession(sessionId, 'queue:position', { position: 3 });
      await queueLine(page).getByText('You are 3rd in line', { exact: true }).waitFor();
      // Not what the contract says: ignored (the events that follow show they were handled).
      const chat = node.io.of(CHAT_NAMESPACE).to(sessionRoom(sessionId));
      for (const payload of [{ position: '<b>1</b>' }, { position: -1 }, { position: 1.5 }, { position: 1e308 }, null, 'x', []]) {
        chat.emit('queue:position', payload as never);
      }
      toSession(sessionId, 'queue:position', { position: 12 });
      await queueLine(page).getByText('You are 12th in line', { exact: true }).waitFor();
      toSession(sessionId, 'queue:position', { position: 22 });
      await queueLine(page).getByText('You are 22nd in line', { exact: true }).waitFor();
      await screenshot(page, 'queue-03-en-waiting');

      const hostile = '<img src=x onerror="window.__pwned=1"><b>Eve</b>';
      toSession(sessionId, 'agent:joined', { agentName: hostile });
      await joinedLines(page).getByText(`${hostile} joined the chat`, { exact: true }).waitFor();
      chat.emit('agent:joined', { agentName: 42 } as never);
      await joinedLines(page).getByText('An agent joined the chat', { exact: true }).waitFor();

      await admin.tickets.assign.mutate({ id: ticketId, assigneeId: maria.id });
      await joinedLines(page).getByText('Maria joined the chat', { exact: true }).waitFor();
      expect(await joinedLines(page).allTextContents()).toEqual([
        `${hostile} joined the chat`,
        'An agent joined the chat',
        'Maria joined the chat',
      ]);
      expect(await queueLine(page).textContent()).toBe('');
      expect(await page.locator('#atende-widget img, #atende-widget li b').count()).toBe(0);
      expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
      await screenshot(page, 'queue-04-en-agent-joined');

      // Cross-origin too, the part came once, from the Atende node.
      const queueRequests = requests.filter((request) => pathOf(request) === widgetFiles().lazy.queue![0]);
      expect(queueRequests).toHaveLength(1);
      expect(new URL(queueRequests[0]!.url()).origin).toBe(node.url);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
