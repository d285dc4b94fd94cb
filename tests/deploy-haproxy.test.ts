import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chatMessages } from '../server/db/schema.js';
import { agentClient, newAdminToken, type AgentClient } from './support/agent.js';
import { launchBrowser, newContext, screenshot } from './support/browser.js';
import { uniqueContact } from './support/customer.js';
import { startHaproxy, waitUntil, type HaproxyBalancer } from './support/loadBalancers.js';
import { startNodeCluster, type NodeCluster } from './support/nodeCluster.js';
import { printNodeOutputOnFailure } from './support/processNode.js';
import { ReconnectingVisitor } from './support/reconnectingVisitor.js';
import { expectChatOverLongPolling, expectChatOverWebSocket, expectLimitsPerRealAddress, FAILED_AUTH_PER_MINUTE } from './support/throughProxy.js';

/**
 * deploy/haproxy.cfg, run by Debian's HAProxy in front of three node processes on one
 * PostgreSQL and one Redis (PROTOCOL §10): what breaks Socket.IO behind a load balancer —
 * upgrades, long-polling without stickiness, client addresses, draining nodes — tried for real.
 */

printNodeOutputOnFailure();

const available = inject('postgresAvailable');

/** The address HAProxy connects to the nodes from, and the only one they trust to name the client. */
const PROXY_ADDRESS = '127.0.0.1';
/** Longer than HAProxy's two failed checks one second apart, with room for a busy machine. */
const SHUTDOWN_DELAY_MS = 5000;

describe.skipIf(!available)('three nodes behind HAProxy (deploy/haproxy.cfg)', () => {
  let cluster: NodeCluster;
  let proxy: HaproxyBalancer;
  let browser: Browser;
  /** Another site (another port: another origin) embedding the widget from the proxy's address. */
  let shop: Server;
  let shopOrigin: string;
  const adminToken = newAdminToken();

  beforeAll(async () => {
    shop = createServer((_req, res) => {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><html lang="pt-BR"><body><h1>Outra loja</h1>
        <script src="${proxy.url}/widget.js" data-atende-url="${proxy.url}" async></script></body></html>`);
    });
    await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
    shopOrigin = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
    cluster = await startNodeCluster(3, {
      ADMIN_TOKEN: adminToken,
      CORS_ORIGINS: shopOrigin,
      TRUST_PROXY: PROXY_ADDRESS,
      SHUTDOWN_DELAY_MS: String(SHUTDOWN_DELAY_MS),
      RATE_FAILED_AUTH_PER_MINUTE: String(FAILED_AUTH_PER_MINUTE),
    });
    proxy = await startHaproxy(cluster.ports);
    await everyNodeUp();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await proxy?.stop();
    await cluster?.close();
    shop?.closeAllConnections();
    shop?.close();
  });

  async function everyNodeUp() {
    await waitUntil('HAProxy sees every node UP', async () => [...(await proxy.serverStatus()).values()].every((s) => s === 'UP'));
  }

  it('a chat over WebSocket through the proxy: two sockets of one session both get every message', async () => {
    await expectChatOverWebSocket(proxy.url, 'via-haproxy');
  });

  it('a client on long-polling only (keeping no cookie, like a widget on another site) chats through the proxy', async () => {
    // Sticky by the Engine.IO session: without it the balancer spreads the session's requests.
    await expectChatOverLongPolling(proxy.url);
  });

  it('per-IP limits count the real client address the proxy forwards, never the proxy’s own nor a forged one', async () => {
    await expectLimitsPerRealAddress(proxy.url, ['127.0.0.2', '127.0.0.3', '127.0.0.4']);
  });

  /** The visitor's widget on the demo page, kept open through the rolling restart below. */
  let widgetPage: Page;
  let widgetErrors: string[];
  let widgetTicket: { id: string; number: number };

  it('the widget in Chromium, on the demo page served through the proxy: starts a chat over WebSocket and gets the agent’s reply', async () => {
    ({ page: widgetPage, errors: widgetErrors } = await newContext(browser));
    const sockets = watchSocketTransports(widgetPage);
    await widgetPage.goto(`${proxy.url}/`);
    widgetTicket = await startWidgetChat(widgetPage, agentClient(proxy.url, adminToken));
    await sendFromWidget(widgetPage, 'Olá, vim pelo balanceador');
    await agentClient(proxy.url, adminToken).tickets.reply.mutate({ id: widgetTicket.id, body: 'Resposta pelo HAProxy', clientMsgId: 'agent-1' });
    await storedInWidget(widgetPage).filter({ hasText: 'Resposta pelo HAProxy' }).waitFor();
    expect(sockets.websocket).toBeGreaterThan(0);
    await screenshot(widgetPage, 'deploy-haproxy-widget');
  });

  it('the widget on another site, with WebSockets blocked, falls back to long-polling through the proxy and chats', async () => {
    const { page, errors, context } = await newContext(browser);
    // Every WebSocket the page opens fails as one does when a proxy or firewall drops upgrades:
    // an error, then a close, never open.
    await page.addInitScript(() => {
      class BlockedWebSocket {
        readyState = 0;
        onerror: ((event: Event) => void) | null = null;
        onclose: ((event: { code: number; reason: string }) => void) | null = null;
        constructor() {
          setTimeout(() => {
            this.readyState = 3;
            this.onerror?.(new Event('error'));
            this.onclose?.({ code: 1006, reason: '' });
          }, 0);
        }
        send() {}
        close() {}
      }
      (window as unknown as { WebSocket: unknown }).WebSocket = BlockedWebSocket;
    });
    const sockets = watchSocketTransports(page);
    await page.goto(shopOrigin);
    const ticket = await startWidgetChat(page, agentClient(proxy.url, adminToken));
    for (const text of ['primeira por polling', 'segunda por polling', 'terceira por polling']) await sendFromWidget(page, text);
    await agentClient(proxy.url, adminToken).tickets.reply.mutate({ id: ticket.id, body: 'Resposta por polling', clientMsgId: 'agent-poll' });
    await storedInWidget(page).filter({ hasText: 'Resposta por polling' }).waitFor();
    expect(await seqsIn(page)).toEqual([1, 2, 3, 4]);
    expect(sockets.polling).toBeGreaterThan(0);
    expect(sockets.websocket).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a SIGTERMed node leaves the pool through /readyz while it still serves, exits 0, and rejoins when started again', async () => {
    const index = 2;
    const node = cluster.nodes[index]!;
    const exited = cluster.stop(index);
    // HAProxy takes it out while it is still up: it answers /healthz, and /readyz says why not.
    await waitUntil('HAProxy marks node3 DOWN', async () => (await proxy.serverStatus()).get('node3') === 'DOWN');
    expect(node.child.exitCode).toBeNull();
    expect((await fetch(`${node.url}/healthz`)).status).toBe(200);
    const readiness = await fetch(`${node.url}/readyz`);
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toEqual({ status: 'draining' });

    expect(await exited).toBe(0);
    await cluster.start(index);
    await everyNodeUp();
  });

  it('rolling restart (SIGTERM one node, start it again, the next) while 50 chats keep sending: every acked message stored once, seqs gap-free, nothing but reconnects', async () => {
    const visitors = await Promise.all(Array.from({ length: 50 }, () => ReconnectingVisitor.start(proxy.url, { pauseMs: 200 })));
    await everyVisitorAcked(visitors, 3, 'before the restarts');

    for (let index = 0; index < cluster.nodes.length; index++) {
      expect(await cluster.stop(index)).toBe(0);
      await cluster.start(index);
      await everyNodeUp();
      // Every chat goes on after each step, whichever node it landed on.
      await everyVisitorAcked(visitors, 2, `after node${index + 1} restarted`);
    }
    await Promise.all(visitors.map((visitor) => visitor.stop()));

    // The widget opened before the restarts came back by itself and goes on, nothing lost or doubled.
    await sendFromWidget(widgetPage, 'Ainda aqui depois dos reinícios');
    await agentClient(proxy.url, adminToken).tickets.reply.mutate({ id: widgetTicket.id, body: 'Também', clientMsgId: 'agent-2' });
    await storedInWidget(widgetPage).filter({ hasText: 'Também' }).waitFor();
    expect(await seqsIn(widgetPage)).toEqual([1, 2, 3, 4]);
    expect(widgetErrors).toEqual([]);

    // Nothing refused but UNAVAILABLE ("retry later", retried like the widget does), which only a
    // PostgreSQL shared with other work and out of connections answers.
    expect(visitors.flatMap((visitor) => visitor.refusals)).toEqual([]);
    // Each node sent its own sockets away when it drained: the chats were spread, so some moved.
    expect(visitors.reduce((sum, visitor) => sum + visitor.reconnects, 0)).toBeGreaterThan(0);
    for (const visitor of visitors) {
      const rows = await cluster.database.handle.db
        .select()
        .from(chatMessages)
        .where(eq(chatMessages.sessionId, visitor.started.sessionId));
      const seqs = rows.map((row) => row.seq).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: rows.length }, (_, i) => i + 1));
      expect(new Set(rows.map((row) => row.clientMsgId)).size).toBe(rows.length);
      const stored = new Map(rows.map((row) => [row.clientMsgId, row.id]));
      for (const [clientMsgId, message] of visitor.acked) expect(stored.get(clientMsgId), clientMsgId).toBe(message.id);
      // And the visitor saw its whole conversation, nothing missing after the reconnects.
      expect([...visitor.seen.keys()].sort((a, b) => a - b)).toEqual(seqs);
    }
  }, 400_000);
});

/** Counts the page's Engine.IO requests by transport (WebSocket upgrades and long-polling requests). */
function watchSocketTransports(page: Page) {
  const seen = { websocket: 0, polling: 0 };
  page.on('websocket', (ws) => {
    if (ws.url().includes('/socket.io/')) seen.websocket++;
  });
  page.on('request', (request) => {
    if (request.url().includes('/socket.io/') && request.url().includes('transport=polling')) seen.polling++;
  });
  return seen;
}

/** Opens the widget, fills the pre-chat form and starts; resolves with the ticket (looked up as an agent). */
async function startWidgetChat(page: Page, api: AgentClient): Promise<{ id: string; number: number }> {
  const contact = uniqueContact('Maria Proxy');
  await page.getByRole('button', { name: 'Fale conosco' }).click();
  await page.getByLabel('Nome', { exact: true }).fill(contact.name);
  await page.getByLabel('E-mail', { exact: true }).fill(contact.email);
  await page.getByLabel('Telefone', { exact: true }).fill(contact.phone);
  await page.getByRole('button', { name: 'Iniciar conversa' }).click();
  const ticket = page.locator('#atende-widget .ticket').getByText(/^Ticket #\d+$/);
  await ticket.waitFor();
  const number = Number((await ticket.textContent())!.replace('Ticket #', ''));
  const { id } = await api.tickets.get.query({ number });
  return { id, number };
}

/** Writes a message in the widget and waits until it is stored (it then carries its seq). */
async function sendFromWidget(page: Page, text: string): Promise<void> {
  const box = page.getByLabel('Sua mensagem');
  await box.fill(text);
  await box.press('Enter');
  await storedInWidget(page).filter({ hasText: text }).waitFor();
}

function storedInWidget(page: Page) {
  return page.locator('#atende-widget li[data-seq]');
}

async function seqsIn(page: Page): Promise<number[]> {
  return storedInWidget(page).evaluateAll((nodes) => nodes.map((n) => Number((n as HTMLElement).dataset.seq)));
}

/** Waits until each visitor has `more` further acks; a visitor stuck says where it stands. */
async function everyVisitorAcked(visitors: ReconnectingVisitor[], more: number, when: string): Promise<void> {
  const stuck = new Set(visitors);
  const progress = visitors.map((visitor) => visitor.acks(more).then(() => stuck.delete(visitor)));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${stuck.size} chat(s) made no progress ${when}:\n${[...stuck].map((v) => v.describe()).join('\n')}`)),
      120_000,
    );
  });
  try {
    await Promise.race([Promise.all(progress), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
