import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AtendeNode } from '../server/main.js';
import { agentClient, newAdminToken, type AgentClient } from './support/agent.js';
import { launchBrowser, newContext, screenshot } from './support/browser.js';
import { newClientMsgId, requestOk, startChatOn, uniqueContact } from './support/customer.js';
import { openTestPglite, type TestDatabase } from './support/databases.js';
import { startTestNode } from './support/node.js';

/**
 * A shift in the agent console (issue 13), in Debian's Chromium: two agents — Ana, an admin
 * working in pt-BR, and Bruno, an agent whose browser speaks English — and a visitor on the
 * demo store, three browser contexts at the same time. PGlite only: the server paths are
 * covered on both drivers elsewhere.
 *
 * Screenshots of the shift view go to docs/screenshots/ when UPDATE_SCREENSHOTS=1 (else to
 * test-artifacts/ like the other browser tests).
 */

const DOCS_SCREENSHOTS = resolve(import.meta.dirname, '../docs/screenshots');
/**
 * Whether this build routes chats (PROTOCOL §8). With routing, an agent who never chose a
 * status is offline and its chats go back to the queue, so the agents below go online first,
 * and routing is `manual` so that the chats stay for Ana to assign.
 */
const ROUTING_BUILT = existsSync(resolve(import.meta.dirname, '../server/services/routing'));

/** Chooses a status in the header, where the node has presence (the control is hidden otherwise). */
async function chooseStatus(page: Page, label: string, status: 'online' | 'away') {
  if (!ROUTING_BUILT) return;
  await page.getByLabel(label).selectOption(status);
  await page.locator(`.my-status[data-status="${status}"]`).waitFor();
}

async function shot(page: Page, name: string) {
  if (process.env.UPDATE_SCREENSHOTS !== '1') return screenshot(page, name);
  mkdirSync(DOCS_SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(DOCS_SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * Stand-ins the page cannot tell from the real thing, recording what the console does: the
 * Notification API (permission "default" until asked), the chime's oscillators, and the tab's
 * visibility (headless tabs are always visible).
 */
function recordAlerts() {
  const w = window as unknown as Record<string, unknown>;
  const alerts = { requested: 0, shown: [] as { title: string; body?: string }[], chimes: 0 };
  w.__alerts = alerts;
  let permission = 'default';
  class RecordedNotification {
    static get permission() {
      return permission;
    }
    static requestPermission() {
      alerts.requested++;
      permission = 'granted';
      return Promise.resolve('granted');
    }
    onclick: (() => void) | null = null;
    constructor(title: string, options?: { body?: string }) {
      alerts.shown.push({ title, body: options?.body });
    }
    close() {}
  }
  w.Notification = RecordedNotification;
  const createOscillator = AudioContext.prototype.createOscillator;
  AudioContext.prototype.createOscillator = function (this: AudioContext) {
    alerts.chimes++;
    return createOscillator.call(this);
  };
  let hidden = false;
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
  w.__setHidden = (value: boolean) => {
    hidden = value;
    document.dispatchEvent(new Event('visibilitychange'));
  };
}

type Alerts = { requested: number; shown: { title: string; body?: string }[]; chimes: number };
const alertsOf = (page: Page) => page.evaluate(() => (window as unknown as { __alerts: Alerts }).__alerts);
const setHidden = (page: Page, hidden: boolean) => page.evaluate((h) => (window as unknown as { __setHidden(h: boolean): void }).__setHidden(h), hidden);

let database: TestDatabase;
let node: AtendeNode;
let browser: Browser;
let automationsDir: string;
let adminApi: AgentClient;
const ana = { token: '', id: '', name: 'Ana Admin' };
const bruno = { token: '', id: '', name: 'Bruno Agent' };
let brunoApi: AgentClient;

beforeAll(async () => {
  automationsDir = mkdtempSync(join(tmpdir(), 'atende-shift-'));
  const automations = join(automationsDir, 'automations.json');
  writeFileSync(
    automations,
    JSON.stringify({
      assistant: { faq: [{ question: 'Qual o prazo de entrega?', answer: 'Entregamos em até 5 dias úteis.' }], minConfidence: 0.5, handoffKeywords: ['atendente'] },
      ...(ROUTING_BUILT ? { routing: { mode: 'manual' } } : {}),
    }),
  );
  database = await openTestPglite();
  const adminToken = newAdminToken();
  [node, browser] = await Promise.all([startTestNode(database.handle, { ADMIN_TOKEN: adminToken, AUTOMATIONS_FILE: automations }), launchBrowser()]);
  adminApi = agentClient(node.url, adminToken);
  for (const [who, role] of [[ana, 'admin'], [bruno, 'agent']] as const) {
    const created = await adminApi.agents.create.mutate({ name: who.name, email: uniqueContact(who.name).email, role });
    who.token = created.token;
    who.id = created.agent.id;
  }
  brunoApi = agentClient(node.url, bruno.token);
});

afterAll(async () => {
  await browser?.close();
  await node?.stop();
  await database?.close();
  rmSync(automationsDir, { recursive: true, force: true });
});

async function signIn(page: Page, token: string, labels = { token: 'Token de API', submit: 'Entrar' }, path = '/console') {
  await page.goto(`${node.url}${path}`);
  await page.getByLabel(labels.token).fill(token);
  await page.getByRole('button', { name: labels.submit }).click();
  await page.locator('main[data-live][data-loaded]').waitFor();
}

const EN = { token: 'API token', submit: 'Sign in' };

/** The widget's parts, found through its (open) shadow root. */
function widget(page: Page) {
  return {
    launcher: page.getByRole('button', { name: 'Fale conosco' }),
    messageBox: page.getByLabel('Sua mensagem'),
    ticket: page.locator('#atende-widget .ticket'),
    stored: page.locator('#atende-widget li[data-seq]'),
  };
}

describe('two agents and a visitor, at the same time', () => {
  let anaCtx: { context: BrowserContext; page: Page; errors: string[] };
  let brunoCtx: { context: BrowserContext; page: Page; errors: string[] };
  let visitorCtx: { context: BrowserContext; page: Page; errors: string[] };
  const contact = uniqueContact('Maria Cliente');
  let ticketNumber: number;
  let ticketId: string;
  const canned = { shortcut: 'ola', title: 'Saudação', body: 'Olá {{customer.firstName}}, aqui é {{agent.name}}; seu ticket é o #{{ticket.number}}.' };

  beforeAll(async () => {
    [anaCtx, visitorCtx] = await Promise.all([newContext(browser), newContext(browser)]);
    // Bruno's browser speaks English: the console follows it.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    context.setDefaultTimeout(15_000);
    await context.addInitScript(recordAlerts);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    brunoCtx = { context, page, errors };
  });
  afterAll(async () => {
    await Promise.all([anaCtx, brunoCtx, visitorCtx].map((c) => c?.context.close()));
  });

  it('each agent signs in, in their own language: tabs Minhas / Não atribuídas / Todas, and Mine / Unassigned / All', async () => {
    await Promise.all([signIn(anaCtx.page, ana.token), signIn(brunoCtx.page, bruno.token, EN)]);
    await Promise.all([chooseStatus(anaCtx.page, 'Disponibilidade', 'online'), chooseStatus(brunoCtx.page, 'Availability', 'online')]);
    if (!ROUTING_BUILT) {
      // A node without presence: no status control, no queue or team panel, and no error.
      expect(await anaCtx.page.locator('.status-toggle').isHidden()).toBe(true);
      expect(await anaCtx.page.locator('.shift-panel').isHidden()).toBe(true);
    }
    for (const name of ['Minhas', 'Não atribuídas', 'Todas']) await anaCtx.page.getByRole('tab', { name: new RegExp(`^${name}`) }).waitFor();
    for (const name of ['Mine', 'Unassigned', 'All']) await brunoCtx.page.getByRole('tab', { name: new RegExp(`^${name}`) }).waitFor();
    expect(await anaCtx.page.evaluate(() => document.documentElement.lang)).toBe('pt-BR');
    expect(await brunoCtx.page.evaluate(() => document.documentElement.lang)).toBe('en');
    await brunoCtx.page.getByRole('heading', { name: 'Tickets' }).waitFor();
    await brunoCtx.page.getByRole('button', { name: 'Sign out' }).waitFor();
    // Nothing asked of the browser on load.
    expect((await alertsOf(brunoCtx.page)).requested).toBe(0);
  });

  it('`?lang=en` switches a pt-BR browser to English', async () => {
    const { context, page } = await newContext(browser);
    try {
      await signIn(page, ana.token, EN, '/console?lang=en');
      await page.getByRole('tab', { name: /^Unassigned/ }).waitFor();
      await page.getByRole('link', { name: 'Settings' }).waitFor();
    } finally {
      await context.close();
    }
  });

  it('Ana (admin) adds a canned response on the settings page; a bad variable is refused in her language', async () => {
    const { page } = anaCtx;
    await page.getByRole('link', { name: 'Configurações' }).click();
    const form = page.getByRole('form', { name: 'Nova resposta pronta' });
    await form.getByLabel('Atalho').fill('ruim');
    await form.getByLabel('Título').fill('Ruim');
    await form.getByLabel('Texto').fill('Olá {{cliente.nome}}');
    await form.getByRole('button', { name: 'Adicionar' }).click();
    await form.getByText('Texto: valor inválido.').waitFor();
    expect(await page.locator('body').textContent()).not.toContain('Unknown variable');

    await form.getByLabel('Texto').fill(canned.body);
    await form.getByLabel('Atalho').fill(canned.shortcut);
    await form.getByLabel('Título').fill(canned.title);
    await form.getByRole('button', { name: 'Adicionar' }).click();
    await page.locator('tr[data-shortcut="ola"]').waitFor();
    expect((await brunoApi.cannedResponses.list.query()).map((c) => c.shortcut)).toEqual(['ola']);
    // The team: Bruno is listed, with a revoke button that names him.
    await page.getByRole('button', { name: `Revogar ${bruno.name}` }).waitFor();
    await shot(page, 'shift-04-settings');
    await page.getByRole('link', { name: 'Tickets', exact: true }).click();
    await page.locator('main[data-live][data-loaded]').waitFor();
  });

  it('Bruno opts in to sound and desktop notifications: the permission is asked on his click', async () => {
    const { page } = brunoCtx;
    await page.getByText('Alerts', { exact: true }).click();
    await page.getByLabel('Desktop notifications').check();
    await page.getByLabel('Sound').check();
    await expect.poll(async () => (await alertsOf(page)).requested).toBe(1);
    expect(await page.getByLabel('Desktop notifications').isChecked()).toBe(true);
    await page.getByText('Alerts', { exact: true }).click();
    await page.getByRole('tab', { name: /^Mine/ }).click();
    await page.getByRole('tab', { name: /^Mine 0$/ }).waitFor();
  });

  it('a visitor asks for a person: Bruno is alerted to the escalation; Ana sees the chat in Não atribuídas', async () => {
    const { page } = visitorCtx;
    const w = widget(page);
    await page.goto(`${node.url}/`);
    await w.launcher.click();
    await page.getByLabel('Nome', { exact: true }).fill(contact.name);
    await page.getByLabel('E-mail', { exact: true }).fill(contact.email);
    await page.getByLabel('Telefone', { exact: true }).fill(contact.phone);
    await page.getByRole('button', { name: 'Iniciar conversa' }).click();
    await w.ticket.getByText(/^Ticket #\d+$/).waitFor();
    ticketNumber = Number((await w.ticket.textContent())!.replace('Ticket #', ''));
    ticketId = (await adminApi.tickets.get.query({ number: ticketNumber })).id;
    const chimesBefore = (await alertsOf(brunoCtx.page)).chimes;
    await w.messageBox.fill('Quero falar com um atendente: meu pedido não chegou');
    await w.messageBox.press('Enter');

    await expect.poll(async () => (await alertsOf(brunoCtx.page)).shown.map((n) => n.title)).toContain('Chat escalated');
    expect((await alertsOf(brunoCtx.page)).chimes).toBeGreaterThan(chimesBefore);

    await anaCtx.page.getByRole('tab', { name: /^Não atribuídas/ }).click();
    await anaCtx.page.locator(`tr[data-ticket="${ticketNumber}"]`).waitFor();
    expect(anaCtx.page.url()).toContain('tab=unassigned');
  });

  it('Ana assigns it to Bruno: it appears in his Mine tab live, with an unread badge, the title shows the total, and he is alerted', async () => {
    await anaCtx.page.locator(`tr[data-ticket="${ticketNumber}"]`).getByRole('link', { name: `#${ticketNumber}` }).click();
    await anaCtx.page.locator('main[data-live][data-status]').waitFor();
    await anaCtx.page.getByLabel('Responsável').selectOption({ label: bruno.name });
    await anaCtx.page.locator(`.assign[data-assignee="${bruno.id}"]`).waitFor();

    const { page } = brunoCtx;
    const row = page.locator(`tr[data-ticket="${ticketNumber}"]`);
    await row.waitFor();
    await row.locator('.unread', { hasText: '1' }).waitFor();
    await page.getByRole('tab', { name: /^Mine 1$/ }).waitFor();
    await page.waitForFunction(() => document.title.startsWith('(1) Atende'));
    await expect.poll(async () => (await alertsOf(page)).shown.map((n) => n.title)).toContain('Chat assigned to you');
    // And the live region told a screen reader.
    await page.locator('#announcer', { hasText: `Ticket #${ticketNumber} was assigned to you` }).waitFor();
  });

  it('with his tab hidden, a customer message on his ticket alerts Bruno and the total grows', async () => {
    const { page } = brunoCtx;
    await setHidden(page, true);
    const w = widget(visitorCtx.page);
    await w.messageBox.fill('Alguém aí?');
    await w.messageBox.press('Enter');
    await expect.poll(async () => (await alertsOf(page)).shown.find((n) => n.title === `New message from ${contact.name}`)?.body).toBe('Alguém aí?');
    await page.waitForFunction(() => document.title.startsWith('(2) Atende'));
    await page.locator(`tr[data-ticket="${ticketNumber}"] .unread`, { hasText: '2' }).waitFor();
    await shot(page, 'shift-01-mine-unread');
    await setHidden(page, false);
  });

  it('opening the ticket marks it read: tickets.markRead is called, the badge and the title clear', async () => {
    const { page } = brunoCtx;
    const markRead = page.waitForRequest((request) => request.url().includes('tickets.markRead'));
    await page.locator(`tr[data-ticket="${ticketNumber}"]`).getByRole('link', { name: `#${ticketNumber}` }).click();
    await markRead;
    await page.locator('main[data-live][data-status]').waitFor();
    await page.waitForFunction((n) => document.title === `Atende — ticket #${n}`, ticketNumber);
    const mine = await brunoApi.tickets.list.query({ assigneeId: 'me' });
    expect(mine.items.find((t) => t.number === ticketNumber)?.unreadCount).toBe(0);
  });

  it('a private note: set apart from the messages, seen live by Ana, never by the visitor', async () => {
    const { page } = brunoCtx;
    const note = 'Cliente VIP: confirmar o endereço antes de reenviar';
    await page.getByLabel('New internal note').fill(note);
    await page.getByRole('button', { name: 'Save note' }).click();
    const shown = page.locator('.notes li.note', { hasText: note });
    await shown.getByText('Internal note').waitFor();
    // Not in any transcript, and not styled like a message.
    expect(await page.locator('.transcript', { hasText: note }).count()).toBe(0);
    const [noteBg, messageBg] = await Promise.all([
      shown.evaluate((n) => getComputedStyle(n).backgroundColor),
      page.locator('.transcript li.client').first().evaluate((n) => getComputedStyle(n).backgroundColor),
    ]);
    expect(noteBg).not.toBe(messageBg);
    await anaCtx.page.locator('.notes li.note', { hasText: note }).getByText('Nota interna').waitFor();
    expect((await adminApi.tickets.get.query({ id: ticketId })).notes.map((n) => n.body)).toEqual([note]);
  });

  it('`/` in the reply box picks a canned response by keyboard; the visitor receives it filled in, and never the note', async () => {
    const { page } = brunoCtx;
    const reply = page.getByLabel('Reply to customer');
    const list = page.getByRole('listbox', { name: 'Canned responses' });
    await reply.focus();
    await reply.pressSequentially('/o');
    await list.getByRole('option', { name: /\/ola/ }).waitFor();
    expect(await reply.getAttribute('aria-activedescendant')).toBe('canned-0');
    await reply.press('Escape');
    await list.waitFor({ state: 'hidden' });
    expect(await reply.inputValue()).toBe('/o');
    await reply.pressSequentially('l');
    await list.waitFor();
    await reply.press('ArrowDown');
    await reply.press('ArrowUp');
    expect(await list.getByRole('option', { selected: true }).textContent()).toContain('/ola');
    await shot(page, 'shift-02-canned-picker');
    await reply.press('Enter');
    const filled = `Olá Maria, aqui é ${bruno.name}; seu ticket é o #${ticketNumber}.`;
    expect(await reply.inputValue()).toBe(filled);
    await list.waitFor({ state: 'hidden' });
    await reply.press('Control+Enter');

    const w = widget(visitorCtx.page);
    await w.stored.filter({ hasText: filled }).waitFor();
    const session = (await adminApi.tickets.get.query({ id: ticketId })).chatSessions[0]!;
    const { messages } = await adminApi.chats.messages.query({ sessionId: session.id });
    expect(messages.filter((m) => m.senderType === 'agent').map((m) => m.body)).toEqual([filled]);
    expect(await visitorCtx.page.locator('body').evaluate((b) => (b as HTMLElement).innerText + (document.getElementById('atende-widget')?.shadowRoot?.textContent ?? ''))).not.toContain('Cliente VIP');
    await shot(page, 'shift-03-ticket');
  });

  it('Ana transfers the ticket to herself: it leaves Bruno’s Mine tab live', async () => {
    await anaCtx.page.getByLabel('Responsável').selectOption({ label: `${ana.name} (eu)` });
    await anaCtx.page.locator(`.assign[data-assignee="${ana.id}"]`).waitFor();
    const { page } = brunoCtx;
    // On the ticket, Bruno's control follows; his list no longer has it under Mine.
    await page.locator(`.assign[data-assignee="${ana.id}"]`).waitFor();
    await page.getByRole('link', { name: 'Tickets', exact: true }).click();
    await page.getByRole('tab', { name: /^Mine 0$/ }).waitFor();
    expect(await page.locator(`tr[data-ticket="${ticketNumber}"]`).count()).toBe(0);
  });

  it('Bruno takes an unassigned ticket; Ana’s list shows him on it live', async () => {
    const other = await adminApi.tickets.create.mutate({ subject: 'Troca de tamanho', source: 'email', client: { name: 'Rui Email', email: uniqueContact('Rui').email } });
    await anaCtx.page.getByRole('link', { name: 'Tickets', exact: true }).click();
    await anaCtx.page.getByRole('tab', { name: /^Todas/ }).click();
    const anaRow = anaCtx.page.locator(`tr[data-ticket="${other.number}"]`);
    await anaRow.locator('td.assignee[data-assignee=""]').waitFor();

    const { page } = brunoCtx;
    await page.getByRole('tab', { name: /^Unassigned/ }).click();
    await page.locator(`tr[data-ticket="${other.number}"]`).getByRole('link', { name: `#${other.number}` }).click();
    await page.locator('main[data-live][data-status]').waitFor();
    await page.getByRole('button', { name: 'Take', exact: true }).click();
    await page.locator(`.assign[data-assignee="${bruno.id}"]`).waitFor();
    await anaRow.locator(`td.assignee[data-assignee="${bruno.id}"]`, { hasText: bruno.name }).waitFor();

    // An e-mail ticket: nothing to send a reply to from here, and no chat to end; notes still.
    await page.locator('.reply-area[data-state="no-chat"]').waitFor();
    expect(await page.getByRole('button', { name: 'Reply', exact: true }).isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'End chat' }).isVisible()).toBe(false);
    expect(await page.getByLabel('Reply to customer').isVisible()).toBe(false);
    await page.getByText('E-mail or phone ticket: answer the customer on that channel.').waitFor();
    await page.getByLabel('New internal note').waitFor();
  });

  it('"Encerrar chat" ends the chat for the visitor; then the button goes away and a reply goes by e-mail, as the box says', async () => {
    await anaCtx.page.locator(`tr[data-ticket="${ticketNumber}"]`).getByRole('link', { name: `#${ticketNumber}` }).click();
    await anaCtx.page.locator('main[data-live][data-status]').waitFor();
    await anaCtx.page.locator('.reply-area[data-state="open"]').waitFor();
    await anaCtx.page.getByRole('button', { name: 'Encerrar chat' }).waitFor();

    await anaCtx.page.getByRole('button', { name: 'Encerrar chat' }).click();
    await visitorCtx.page.getByText('O atendente encerrou a conversa.').waitFor();

    const { page } = anaCtx;
    await page.locator('.reply-area[data-state="ended"]').waitFor();
    await page.getByText('A conversa terminou: sua resposta vai ao cliente por e-mail, com um link para continuar a conversa.').waitFor();
    expect(await page.getByRole('button', { name: 'Encerrar chat' }).isVisible()).toBe(false);
    // A late reply (PROTOCOL §9): stored in the same thread, shown here, e-mailed to the customer.
    await page.getByLabel('Resposta ao cliente').fill('Segue a resposta que faltava.');
    await page.getByRole('button', { name: 'Responder' }).click();
    await page.locator('.transcript li[data-seq]', { hasText: 'Segue a resposta que faltava.' }).waitFor();
    expect(await page.locator('.reply-area .error').textContent()).toBe('');
  });

  it('keyboard and screen reader: every control has an accessible name, the focus is visible, messages land in a live region', async () => {
    for (const page of [anaCtx.page, brunoCtx.page]) {
      const unnamed = await page.evaluate(() => {
        const controls = [...document.querySelectorAll<HTMLElement>('button, input, select, textarea, a[href], [role="tab"], summary, [role="option"]')];
        const nameOf = (node: HTMLElement): string => {
          const labelledBy = node.getAttribute('aria-labelledby');
          if (labelledBy) return labelledBy.split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' ');
          if (node.getAttribute('aria-label')) return node.getAttribute('aria-label')!;
          const labels = (node as HTMLInputElement).labels;
          if (labels?.length) return [...labels].map((l) => l.textContent).join(' ');
          if (node.matches('input, select, textarea')) return node.getAttribute('title') ?? '';
          return node.textContent ?? '';
        };
        return controls.filter((node) => !nameOf(node).trim()).map((node) => node.outerHTML.slice(0, 120));
      });
      expect(unnamed).toEqual([]);
    }
    // The focus ring: tab to the first control of the page and look at its outline.
    const { page } = brunoCtx;
    await page.locator('body').click({ position: { x: 2, y: 400 } });
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => {
      const focused = document.activeElement as HTMLElement;
      const style = getComputedStyle(focused);
      return { tag: focused.tagName, style: style.outlineStyle, width: style.outlineWidth, top: focused.getBoundingClientRect().top };
    });
    expect(outline.style).not.toBe('none');
    expect(Number.parseFloat(outline.width)).toBeGreaterThanOrEqual(2);
    // The transcript is a log (a polite live region) holding the visitor's messages.
    expect(await anaCtx.page.locator('.transcript[role="log"][aria-live="polite"] li.client', { hasText: 'Alguém aí?' }).count()).toBe(1);
  });

  it('no page error in any of the three browsers', () => {
    expect(anaCtx.errors).toEqual([]);
    expect(brunoCtx.errors).toEqual([]);
    expect(visitorCtx.errors).toEqual([]);
  });
});

/** PROTOCOL §8's presence procedures, by wire name: this file compiles whether or not the node has them. */
const presenceOf = (api: AgentClient) => api.agents.presence.query();

describe('presence, routing and the queue (PROTOCOL §8)', () => {
  let presenceDb: TestDatabase;
  let presenceNode: AtendeNode;
  let admin: AgentClient;
  const carla = { token: '', id: '', name: 'Carla Admin' };
  const davi = { token: '', id: '', name: 'Davi Agent' };
  let carlaCtx: { context: BrowserContext; page: Page; errors: string[] };
  let daviCtx: { context: BrowserContext; page: Page; errors: string[] };

  beforeAll(async () => {
    presenceDb = await openTestPglite();
    const adminToken = newAdminToken();
    // A presence window shorter than the default minute keeps the wait for "offline" short.
    presenceNode = await startTestNode(presenceDb.handle, { ADMIN_TOKEN: adminToken, PRESENCE_TIMEOUT_MS: '20000' });
    admin = agentClient(presenceNode.url, adminToken);
    for (const [who, role] of [[carla, 'admin'], [davi, 'agent']] as const) {
      const created = await admin.agents.create.mutate({ name: who.name, email: uniqueContact(who.name).email, role });
      who.token = created.token;
      who.id = created.agent.id;
    }
    [carlaCtx, daviCtx] = await Promise.all([newContext(browser), newContext(browser)]);
  });
  afterAll(async () => {
    await carlaCtx?.context.close();
    await daviCtx?.context.close().catch(() => {});
    await presenceNode?.stop();
    await presenceDb?.close();
  });

  const consoleAt = (page: Page, token: string) =>
    page.goto(`${presenceNode.url}/console`).then(async () => {
      await page.getByLabel('Token de API').fill(token);
      await page.getByRole('button', { name: 'Entrar' }).click();
      await page.locator('main[data-live][data-loaded]').waitFor();
    });

  it('Online / Ausente in the header is server state: it survives a reload, and the team sees it', async () => {
    await Promise.all([consoleAt(carlaCtx.page, carla.token), consoleAt(daviCtx.page, davi.token)]);
    // Carla works away from the routing (live and away, she keeps what she takes).
    await chooseStatus(carlaCtx.page, 'Disponibilidade', 'away');
    const { page } = daviCtx;
    const status = page.getByLabel('Disponibilidade');
    await status.selectOption('online');
    await page.locator('.my-status[data-status="online"]').waitFor();
    await page.reload();
    await page.locator('main[data-live][data-loaded]').waitFor();
    await page.locator('.my-status[data-status="online"]').waitFor();
    expect(await status.inputValue()).toBe('online');

    const daviInTeam = carlaCtx.page.locator(`.team li[data-agent="${davi.id}"]`);
    await daviInTeam.and(carlaCtx.page.locator('[data-presence="online"]')).waitFor({ timeout: 30_000 });

    await status.selectOption('away');
    await page.locator('.my-status[data-status="away"]').waitFor();
    await page.reload();
    await page.locator('.my-status[data-status="away"]').waitFor();
    await daviInTeam.and(carlaCtx.page.locator('[data-presence="away"]')).waitFor({ timeout: 30_000 });
    await daviInTeam.getByText('Ausente').waitFor();
  }, 120_000);

  it('a chat waits in the queue while nobody is online, oldest first with how long; Carla takes it from there', async () => {
    const { socket, started } = await startChatOn(presenceNode.url);
    const later = await startChatOn(presenceNode.url);
    try {
      const queued = carlaCtx.page.locator(`.queue li[data-ticket="${started.ticketNumber}"]`);
      await queued.getByText(/esperando há/).waitFor({ timeout: 30_000 });
      await carlaCtx.page.locator(`.queue li[data-ticket="${later.started.ticketNumber}"]`).waitFor({ timeout: 30_000 });
      const order = await carlaCtx.page.locator('.queue li[data-ticket]').evaluateAll((items) => items.map((li) => Number((li as HTMLElement).dataset.ticket)));
      expect(order).toEqual([started.ticketNumber, later.started.ticketNumber]);
      await shot(carlaCtx.page, 'shift-05-queue-and-team');
      await queued.getByRole('button', { name: `Assumir o ticket #${started.ticketNumber}` }).click();
      await carlaCtx.page.locator(`.assign[data-assignee="${carla.id}"]`).waitFor();
      expect((await admin.tickets.get.query({ number: started.ticketNumber })).assigneeId).toBe(carla.id);
    } finally {
      socket.disconnect();
      later.socket.disconnect();
    }
  }, 60_000);

  it('online, Davi gets a new chat routed to him: in Minhas, live, with its unread badge', async () => {
    const { page } = daviCtx;
    await page.getByLabel('Disponibilidade').selectOption('online');
    await page.locator('.my-status[data-status="online"]').waitFor();
    await page.getByRole('tab', { name: /^Minhas/ }).click();
    const { socket, started } = await startChatOn(presenceNode.url);
    try {
      await requestOk(socket, 'message:send', { body: 'Oi, preciso de ajuda', clientMsgId: newClientMsgId() });
      const row = page.locator(`tr[data-ticket="${started.ticketNumber}"]`);
      await row.locator('.unread', { hasText: '1' }).waitFor({ timeout: 30_000 });
      await page.waitForFunction(() => /^\(\d+\) Atende/.test(document.title));
    } finally {
      socket.disconnect();
    }
  });

  it('Carla sets Davi’s capacity on the settings page; the team list shows it', async () => {
    const { page } = carlaCtx;
    await page.getByRole('link', { name: 'Configurações' }).click();
    const capacity = page.getByLabel(`Capacidade (`).and(page.locator(`#agent-${davi.id}-capacity`));
    await capacity.fill('3');
    await page.locator(`tr[data-agent="${davi.id}"]`).getByRole('button', { name: 'Salvar' }).click();
    await expect.poll(async () => (await presenceOf(admin)).find((a) => a.id === davi.id)?.capacity).toBe(3);
    await page.getByRole('link', { name: 'Tickets', exact: true }).click();
    await page.locator(`.team li[data-agent="${davi.id}"]`, { hasText: '/3 chats' }).waitFor();
  });

  it('closing Davi’s browser makes him offline for Carla within a minute', async () => {
    await daviCtx.context.close();
    const closedAt = Date.now();
    await carlaCtx.page.locator(`.team li[data-agent="${davi.id}"][data-presence="offline"]`).waitFor({ timeout: 60_000 });
    expect(Date.now() - closedAt).toBeLessThan(60_000);
    expect(carlaCtx.errors).toEqual([]);
  }, 90_000);
});
