import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAutomations } from '../server/automations/automationsConfig.js';
import type { AtendeNode } from '../server/main.js';
import { agentClient, newAdminToken, type AgentClient } from './support/agent.js';
import { launchBrowser, newContext, screenshot } from './support/browser.js';
import { uniqueContact } from './support/customer.js';
import { openTestPglite, type TestDatabase } from './support/databases.js';
import { startTestNode } from './support/node.js';

/**
 * The browser pages end to end, in Debian's Chromium: a visitor on the demo store uses the
 * widget while an agent, in another browser context at the same time, works the ticket in
 * the console. PGlite only: the database paths are covered on both drivers elsewhere.
 */

let database: TestDatabase;
let node: AtendeNode;
let browser: Browser;
let agentToken: string;
let api: AgentClient;
/** Another site (another origin: another port) that embeds the widget with its script tag. */
let shop: Server;
let shopOrigin: string;

const MANUAL_ROUTING = { automations: parseAutomations({ routing: { mode: 'manual' } }) };

beforeAll(async () => {
  database = await openTestPglite();
  shop = createServer((_req, res) => {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(`<!doctype html><html lang="en"><head><style>label{color:rgb(128,0,128)!important;font-size:40px}button{background:red}</style></head>
      <body><h1>Another shop</h1>
      <script src="${node.url}/widget.js" data-atende-url="${node.url}" data-locale="en" data-phone-region="US" async></script></body></html>`);
  });
  await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
  shopOrigin = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
  const adminToken = newAdminToken();
  [node, browser] = await Promise.all([
    // Routing manual: with nobody online the widget would show the offline form (PROTOCOL §9).
    startTestNode(database.handle, { ADMIN_TOKEN: adminToken, CORS_ORIGINS: shopOrigin }, MANUAL_ROUTING),
    launchBrowser(),
  ]);
  const created = await agentClient(node.url, adminToken).agents.create.mutate({
    name: 'Carla Atendente',
    email: uniqueContact('Carla').email,
    role: 'agent',
  });
  agentToken = created.token;
  api = agentClient(node.url, agentToken);
});

afterAll(async () => {
  await browser?.close();
  await node?.stop();
  await database?.close();
  shop?.close();
});

/** The widget's parts, found through its (open) shadow root. */
function widget(page: Page, t = { launcher: 'Fale conosco', title: 'Atendimento', message: 'Sua mensagem' }) {
  return {
    launcher: page.getByRole('button', { name: t.launcher }),
    panel: page.getByRole('dialog', { name: t.title }),
    messageBox: page.getByLabel(t.message),
    ticket: page.locator('#atende-widget .ticket'),
    stored: page.locator('#atende-widget li[data-seq]'),
    pending: page.locator('#atende-widget li[data-pending]'),
    status: page.locator('#atende-widget .conn'),
  };
}

async function seqsOf(items: Locator): Promise<number[]> {
  return items.evaluateAll((nodes) => nodes.map((n) => Number((n as HTMLElement).dataset.seq)));
}

async function signIn(page: Page, token: string) {
  await page.goto(`${node.url}/console`);
  await page.getByLabel('Token de API').fill(token);
  await page.getByRole('button', { name: 'Entrar' }).click();
  await page.getByRole('heading', { name: 'Tickets' }).waitFor();
}

describe('visitor and agent, at the same time', () => {
  let visitor: { context: BrowserContext; page: Page; errors: string[] };
  let agent: { context: BrowserContext; page: Page; errors: string[] };
  const contact = uniqueContact('Maria Navegadora');
  let ticketNumber: number;
  let emailTicketNumber: number;

  beforeAll(async () => {
    [visitor, agent] = await Promise.all([newContext(browser), newContext(browser)]);
    // A ticket from another channel, for the console's filters and badges.
    const emailTicket = await api.tickets.create.mutate({
      subject: 'Segunda via do boleto',
      source: 'email',
      client: { name: 'Rui Email', email: uniqueContact('Rui').email },
    });
    emailTicketNumber = emailTicket.number;
  });
  afterAll(async () => {
    await visitor?.context.close();
    await agent?.context.close();
  });

  it('the launcher opens the pre-chat form, focused on its first field', async () => {
    const { page } = visitor;
    const w = widget(page);
    await page.goto(`${node.url}/`);
    await w.launcher.click();
    await w.panel.waitFor();
    // The launcher gives way to the panel (so the role query no longer finds it).
    expect(await page.locator('#atende-widget .launcher').getAttribute('aria-expanded')).toBe('true');
    for (const label of ['Nome', 'E-mail', 'Telefone']) await page.getByLabel(label, { exact: true }).waitFor();
    expect(await page.getByLabel('Nome', { exact: true }).evaluate((input) => input.getRootNode() instanceof ShadowRoot)).toBe(true);
    expect(await page.evaluate(() => document.getElementById('atende-widget')?.shadowRoot?.activeElement?.id)).toBe('atende-name');
    await screenshot(page, '01-widget-form');
  });

  it('shows each error as the visitor types, and clears it once the value is valid', async () => {
    const { page } = visitor;
    const name = page.getByLabel('Nome', { exact: true });
    const email = page.getByLabel('E-mail', { exact: true });
    const phone = page.getByLabel('Telefone', { exact: true });

    await name.pressSequentially('M');
    await name.press('Backspace');
    await page.getByText('Campo obrigatório').waitFor();
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    await name.pressSequentially(contact.name);
    await page.getByText('Campo obrigatório').waitFor({ state: 'detached' });
    expect(await name.getAttribute('aria-invalid')).toBe('false');

    const [user, domain] = contact.email.split('@');
    await email.pressSequentially(`${user}@`);
    await page.getByText('Informe um e-mail válido').waitFor();

    await phone.pressSequentially(contact.phone.slice(0, 6));
    await page.getByText('Informe um telefone válido').waitFor();
    await screenshot(page, '02-widget-errors');

    await email.press('End');
    await email.pressSequentially(domain!);
    await page.getByText('Informe um e-mail válido').waitFor({ state: 'detached' });
    await phone.press('End');
    await phone.pressSequentially(contact.phone.slice(6));
    await page.getByText('Informe um telefone válido').waitFor({ state: 'detached' });
  });

  it('starts the chat and shows the ticket number', async () => {
    const { page } = visitor;
    const w = widget(page);
    await page.getByRole('button', { name: 'Iniciar conversa' }).click();
    await w.ticket.getByText(/^Ticket #\d+$/).waitFor();
    ticketNumber = Number((await w.ticket.textContent())!.replace('Ticket #', ''));
    expect(ticketNumber).toBeGreaterThan(0);
    // The focus moved to where the visitor writes.
    expect(await page.evaluate(() => document.getElementById('atende-widget')?.shadowRoot?.activeElement?.id)).toBe('atende-message');
    const ticket = await api.tickets.get.query({ number: ticketNumber });
    expect(ticket).toMatchObject({ source: 'chat', status: 'OPEN', client: { email: contact.email, phone: contact.e164 } });
  });

  it('the agent signs in and finds it in the list filtered by source and status, with origin badges', async () => {
    const { page } = agent;
    await signIn(page, agentToken);
    const chatRow = page.locator(`tr[data-ticket="${ticketNumber}"]`);
    const emailRow = page.locator(`tr[data-ticket="${emailTicketNumber}"]`);
    await chatRow.waitFor();
    await emailRow.locator('[data-source="email"]', { hasText: 'E-mail' }).waitFor();
    await chatRow.locator('[data-source="chat"]', { hasText: 'Chat' }).waitFor();
    await screenshot(page, '04-console-list');

    await page.getByLabel('Origem').selectOption('chat');
    await emailRow.waitFor({ state: 'detached' });
    await page.getByLabel('Status').selectOption('OPEN');
    await chatRow.waitFor();
    await page.waitForFunction(() => !document.querySelector('tr[data-ticket] [data-status]:not([data-status="OPEN"])'));
    const sources = await page.locator('tr[data-ticket] [data-source]').evaluateAll((nodes) => nodes.map((n) => (n as HTMLElement).dataset.source));
    expect(new Set(sources)).toEqual(new Set(['chat']));
    expect(page.url()).toContain('source=chat');
    // The link to the chat's history.
    expect(await chatRow.getByRole('link', { name: 'Ver conversa' }).getAttribute('href')).toBe(`#/tickets/${ticketNumber}`);
    await screenshot(page, '04b-console-list-filtered');

    await page.getByLabel('Origem').selectOption('email');
    await emailRow.waitFor();
    await chatRow.waitFor({ state: 'detached' });
    await page.getByLabel('Origem').selectOption('');
    await page.getByLabel('Status').selectOption('');
    await chatRow.getByRole('link', { name: 'Ver conversa' }).click();
    await page.getByRole('heading', { name: new RegExp(`^#${ticketNumber} `) }).waitFor();
  });

  it('the transcript grows live on the agent’s screen; the agent’s typing and reply reach the visitor', async () => {
    const w = widget(visitor.page);
    const transcript = agent.page.locator('.transcript li[data-seq]');
    // The ticket page follows the ticket's events from here on.
    await agent.page.locator('main[data-status="OPEN"][data-live]').waitFor();

    await w.messageBox.fill('Meu pedido 123 não chegou');
    await agent.page.getByText('Cliente digitando…').waitFor();
    await w.messageBox.press('Enter');
    await transcript.filter({ hasText: 'Meu pedido 123 não chegou' }).waitFor();
    await w.stored.filter({ hasText: 'Meu pedido 123 não chegou' }).waitFor();

    const reply = agent.page.getByLabel('Resposta ao cliente');
    await reply.pressSequentially('Vou verificar');
    await visitor.page.getByText('Atendente digitando…').waitFor();
    await reply.fill('Olá Maria! Vou verificar o pedido 123 agora.');
    await agent.page.getByRole('button', { name: 'Responder' }).click();
    await w.stored.filter({ hasText: 'Olá Maria! Vou verificar o pedido 123 agora.' }).waitFor();
    await visitor.page.getByText('Atendente digitando…').waitFor({ state: 'detached' });
    await transcript.filter({ hasText: 'Olá Maria!' }).waitFor();
    await screenshot(visitor.page, '03-widget-chat');
    await screenshot(agent.page, '05-console-ticket');
  });

  it('a reload restores the chat', async () => {
    const { page } = visitor;
    const w = widget(page);
    const before = await seqsOf(w.stored);
    await page.reload();
    await w.launcher.click();
    await w.ticket.getByText(`Ticket #${ticketNumber}`).waitFor();
    await w.stored.nth(before.length - 1).waitFor();
    expect(await seqsOf(w.stored)).toEqual(before);
    await w.stored.filter({ hasText: 'Olá Maria!' }).waitFor();
  });

  it('loses the network while the agent replies, and comes back with nothing missing and nothing twice', async () => {
    const { page, context } = visitor;
    const w = widget(page);
    const transcript = agent.page.locator('.transcript li[data-seq]');

    await context.setOffline(true);
    await w.status.getByText('Sem conexão').waitFor();
    const reply = agent.page.getByLabel('Resposta ao cliente');
    for (const text of ['Encontrei o pedido.', 'Ele sai para entrega amanhã.']) {
      await reply.fill(text);
      await agent.page.getByRole('button', { name: 'Responder' }).click();
      await transcript.filter({ hasText: text }).waitFor();
    }
    await w.messageBox.fill('Escrevi isto sem rede');
    await w.messageBox.press('Enter');
    await w.pending.filter({ hasText: 'Escrevi isto sem rede' }).waitFor();
    await screenshot(page, '06-widget-offline');

    await context.setOffline(false);
    await w.stored.filter({ hasText: 'Escrevi isto sem rede' }).waitFor();
    await w.stored.filter({ hasText: 'Ele sai para entrega amanhã.' }).waitFor();
    await w.status.waitFor({ state: 'hidden' });
    expect(await w.pending.count()).toBe(0);

    const seqs = await seqsOf(w.stored);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1)); // 1..n: no gap, no duplicate
    const stored = await api.chats.messages.query({ sessionId: (await api.tickets.get.query({ number: ticketNumber })).chatSessions[0]!.id });
    expect(stored.messages.map((m) => m.seq)).toEqual(seqs);
    expect(stored.messages.filter((m) => m.body === 'Escrevi isto sem rede')).toHaveLength(1);
    await transcript.filter({ hasText: 'Escrevi isto sem rede' }).waitFor();
    expect(await transcript.filter({ hasText: 'Escrevi isto sem rede' }).count()).toBe(1);
    await screenshot(page, '07-widget-after-reconnect');
  });

  it('a status change by the agent is shown to the visitor', async () => {
    await agent.page.getByLabel('Status').selectOption('PENDING');
    await agent.page.locator('main[data-status="PENDING"]').waitFor();
    await visitor.page.getByText('Status do ticket: Pendente').waitFor();
  });

  it('the visitor ends the chat; the agent sees it end; coming back finds a new chat’s form filled in', async () => {
    const { page } = visitor;
    const w = widget(page);
    await page.getByRole('button', { name: 'Encerrar conversa' }).click();
    await page.getByText('Você encerrou a conversa.').waitFor();
    await w.messageBox.waitFor({ state: 'hidden' });
    await agent.page.getByRole('heading', { name: /\(encerrada\)/ }).waitFor();
    await agent.page.locator('main[data-status="RESOLVED"]').waitFor();
    await screenshot(page, '08-widget-ended');

    // The ended chat's resume token left the page's storage (PROTOCOL §7): a reload finds the
    // form, prefilled for a new chat.
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage }))).not.toContain('resumeToken');
    await page.reload();
    await w.launcher.click();
    expect(await page.getByLabel('Nome', { exact: true }).inputValue()).toBe(contact.name);
    expect(await page.getByLabel('E-mail', { exact: true }).inputValue()).toBe(contact.email);
    expect(await page.getByLabel('Telefone', { exact: true }).inputValue()).toBe(contact.phone);
    await screenshot(page, '09-widget-returning');

    await page.getByRole('button', { name: 'Iniciar conversa' }).click();
    await w.ticket.getByText(/^Ticket #\d+$/).waitFor();
    const second = Number((await w.ticket.textContent())!.replace('Ticket #', ''));
    expect(second).not.toBe(ticketNumber);
    const history = await api.clients.history.query({ id: (await api.tickets.get.query({ number: second })).client.id });
    expect(history.tickets.map((t) => t.number)).toEqual(expect.arrayContaining([ticketNumber, second]));

    // The agent follows the customer link to the customer's history: both chats are there.
    await agent.page.locator('aside').getByRole('link', { name: contact.name }).click();
    await agent.page.getByRole('heading', { name: contact.name }).waitFor();
    await agent.page.getByRole('link', { name: new RegExp(`^#${second} `) }).waitFor();
    await agent.page.getByRole('link', { name: new RegExp(`^#${ticketNumber} `) }).waitFor();
    await screenshot(agent.page, '12-console-client-history');
  });

  it('no page error on either side', () => {
    expect(visitor.errors).toEqual([]);
    expect(agent.errors).toEqual([]);
  });
});

describe('embedded on another site, in English', () => {
  it('works cross-origin, keeps the host page’s CSS out, and shows hostile text as text', async () => {
    const { context, page, errors } = await newContext(browser);
    try {
      await page.goto(`${shopOrigin}/product`);
      const w = widget(page, { launcher: 'Chat with us', title: 'Support', message: 'Your message' });
      await w.launcher.click();
      for (const label of ['Name', 'E-mail', 'Phone']) await page.getByLabel(label, { exact: true }).waitFor();
      const labelColor = await page.locator('#atende-widget label').first().evaluate((label) => getComputedStyle(label).color);
      expect(labelColor).not.toBe('rgb(128, 0, 128)');

      const contact = uniqueContact('Ann Visitor');
      await page.getByLabel('Name', { exact: true }).fill(contact.name);
      await page.getByLabel('E-mail', { exact: true }).fill(contact.email);
      await page.getByLabel('Phone', { exact: true }).pressSequentially('(201) 555');
      await page.getByText('Enter a valid phone number').waitFor();
      await screenshot(page, '10-widget-en-form');
      await page.getByLabel('Phone', { exact: true }).press('End');
      await page.getByLabel('Phone', { exact: true }).pressSequentially('-0123');
      await page.getByText('Enter a valid phone number').waitFor({ state: 'detached' });
      // Keyboard only: Enter submits the form.
      await page.keyboard.press('Enter');
      await w.ticket.getByText(/^Ticket #\d+$/).waitFor();
      const number = Number((await w.ticket.textContent())!.replace('Ticket #', ''));
      expect((await api.tickets.get.query({ number })).client.phone).toBe('+12015550123');

      const hostile = '<img src=x onerror="window.__pwned=1"><b>bold?</b>';
      await w.messageBox.fill(hostile);
      await w.messageBox.press('Enter');
      await w.stored.filter({ hasText: hostile }).waitFor();
      expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await page.locator('#atende-widget li img, #atende-widget li b').count()).toBe(0);
      await screenshot(page, '11-widget-en-chat');

      // Escape minimizes and gives the focus back to the launcher.
      await w.messageBox.press('Escape');
      await w.panel.waitFor({ state: 'hidden' });
      expect(await page.evaluate(() => document.getElementById('atende-widget')?.shadowRoot?.activeElement?.className)).toBe('launcher');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('console sign-in', () => {
  it('refuses a wrong token and keeps a good one for the tab’s session only', async () => {
    const { context, page } = await newContext(browser);
    try {
      await page.goto(`${node.url}/console`);
      await page.getByLabel('Token de API').fill('not-a-real-token');
      await page.getByRole('button', { name: 'Entrar' }).click();
      await page.getByText('Token inválido ou revogado.').waitFor();
      await signIn(page, agentToken);
      expect(await page.evaluate(() => Object.keys(localStorage))).toEqual([]);
      expect(await page.evaluate(() => sessionStorage.getItem('atende.console.token'))).toBe(agentToken);
      await page.reload();
      await page.getByRole('heading', { name: 'Tickets' }).waitFor();
      await page.getByRole('button', { name: 'Sair' }).click();
      await page.getByLabel('Token de API').waitFor();
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    } finally {
      await context.close();
    }
  });
});

describe('a node restart under the widget', () => {
  it('the widget reconnects with backoff, resumes, and sends what was written meanwhile, once', async () => {
    const db = await openTestPglite();
    let first: AtendeNode | undefined = await startTestNode(db.handle, {}, MANUAL_ROUTING);
    let second: AtendeNode | undefined;
    const { context, page, errors } = await newContext(browser);
    try {
      const w = widget(page);
      const contact = uniqueContact('Rita Reinicio');
      await page.goto(`${first.url}/`);
      await w.launcher.click();
      await page.getByLabel('Nome', { exact: true }).fill(contact.name);
      await page.getByLabel('E-mail', { exact: true }).fill(contact.email);
      await page.getByLabel('Telefone', { exact: true }).fill(contact.phone);
      await page.getByRole('button', { name: 'Iniciar conversa' }).click();
      await w.ticket.getByText(/^Ticket #\d+$/).waitFor();
      await w.messageBox.fill('Antes do reinício');
      await w.messageBox.press('Enter');
      await w.stored.filter({ hasText: 'Antes do reinício' }).waitFor();

      // SIGTERM-like stop: the node sends its sockets away; Socket.IO would not come back by itself.
      const port = first.port;
      await first.stop();
      first = undefined;
      await w.status.getByText('Conectando…').waitFor();
      await w.messageBox.fill('Durante o reinício');
      await w.messageBox.press('Enter');
      await w.pending.filter({ hasText: 'Durante o reinício' }).waitFor();

      second = await startTestNode(db.handle, { PORT: String(port) }, MANUAL_ROUTING);
      await w.stored.filter({ hasText: 'Durante o reinício' }).waitFor();
      await w.status.waitFor({ state: 'hidden' });
      expect(await seqsOf(w.stored)).toEqual([1, 2]);
      expect(await w.pending.count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      await first?.stop();
      await second?.stop();
      await db.close();
    }
  });
});
