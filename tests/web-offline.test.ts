import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAutomations } from '../server/automations/automationsConfig.js';
import type { AtendeNode } from '../server/main.js';
import { agentClient, newAdminToken, type AgentClient } from './support/agent.js';
import { launchBrowser, newContext, screenshot } from './support/browser.js';
import { uniqueContact } from './support/customer.js';
import { openTestPglite, type TestDatabase } from './support/databases.js';
import { startTestNode } from './support/node.js';
import { createAgents, goOffline, goOnline } from './support/routing.js';
import { startSmtpReceiver, type SmtpReceiver } from './support/smtpReceiver.js';

/**
 * PROTOCOL §9 "Business hours and the offline form", in Debian's Chromium: when nobody would
 * answer (`GET /api/chat/availability`), the widget shows the offline form — from a part fetched
 * only then — and its message becomes a ticket answered by e-mail.
 */

const WEB = resolve(import.meta.dirname, '../dist/web');

let browser: Browser;
/** Closed every day (a weekly map with no day), with e-mail. */
let closedDb: TestDatabase;
let closedNode: AtendeNode;
let closedAdmin: AgentClient;
let smtp: SmtpReceiver;
/** Open hours (none configured), routing least_busy: offline only while no agent is online. */
let staffedDb: TestDatabase;
let staffedNode: AtendeNode;
let staffedAdmin: AgentClient;

beforeAll(async () => {
  const adminToken = newAdminToken();
  [closedDb, staffedDb, smtp, browser] = await Promise.all([openTestPglite(), openTestPglite(), startSmtpReceiver(), launchBrowser()]);
  [closedNode, staffedNode] = await Promise.all([
    startTestNode(
      closedDb.handle,
      { ADMIN_TOKEN: adminToken, SMTP_URL: smtp.url, MAIL_FROM: 'Loja <atendimento@loja.example>' },
      { automations: parseAutomations({ businessHours: { timezone: 'America/Sao_Paulo', weekly: {} }, mailRetry: { baseDelayMs: 30, pollMs: 50 } }) },
    ),
    startTestNode(staffedDb.handle, { ADMIN_TOKEN: adminToken }),
  ]);
  closedAdmin = agentClient(closedNode.url, adminToken);
  staffedAdmin = agentClient(staffedNode.url, adminToken);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([closedNode?.stop(), staffedNode?.stop()]);
  await Promise.all([closedDb?.close(), staffedDb?.close(), smtp?.close()]);
});

function offlineFiles(): string[] {
  return JSON.parse(readFileSync(join(WEB, 'build.json'), 'utf8')).widget.lazy.offline;
}

/** Records the paths the page fetches from the node. */
function recordRequests(page: Page): string[] {
  const requested: string[] = [];
  page.on('request', (request) => requested.push(new URL(request.url()).pathname.slice(1)));
  return requested;
}

/** A page of the node's origin with the widget in English (`data-locale="en"`). */
async function openEnglishShop(page: Page, node: AtendeNode) {
  await page.route(`${node.url}/shop-en`, (route) =>
    route.fulfill({
      contentType: 'text/html; charset=utf-8',
      body: `<!doctype html><html lang="en"><body><h1>Shop</h1><script src="${node.url}/widget.js" data-atende-url="${node.url}" data-locale="en" async></script></body></html>`,
    }),
  );
  await page.goto(`${node.url}/shop-en`);
}

describe('out of business hours', () => {
  it('pt-BR: the offline form (its part fetched only now) checks the fields like the pre-chat form, sends, and shows the ticket; the ticket is OPEN, source chat, with the message; the e-mail arrives', async () => {
    const { context, page, errors } = await newContext(browser);
    try {
      const files = offlineFiles();
      expect(files.length).toBeGreaterThan(0);
      const requested = recordRequests(page);
      await page.goto(`${closedNode.url}/`);
      await page.locator('#atende-widget .launcher').waitFor();
      expect(requested.filter((path) => files.includes(path))).toEqual([]);
      await page.getByRole('button', { name: 'Fale conosco' }).click();

      const form = page.locator('#atende-widget form.offline');
      await form.getByText('Estamos fora do horário de atendimento. Deixe sua mensagem e responderemos por e-mail.').waitFor();
      expect(requested.filter((path) => files.includes(path))).toEqual(files);
      expect(requested).toContain('api/chat/availability');
      await page.locator('#atende-widget form.prechat').waitFor({ state: 'hidden' });
      // The focus went from the (hidden) pre-chat form to the offline one.
      expect(await page.evaluate(() => document.querySelector('#atende-widget')!.shadowRoot!.activeElement?.id)).toBe('atende-offline-name');

      // Sent empty: every field says why, as the pre-chat form would, and the message is required.
      const send = form.getByRole('button', { name: 'Enviar mensagem' });
      await send.click();
      await form.getByText('A mensagem deve ter de 1 a 4000 caracteres').waitFor();
      for (const field of ['name', 'email', 'phone']) {
        expect(await form.locator(`#atende-offline-${field}-error`).textContent()).toBe('Campo obrigatório');
        expect(await form.locator(`#atende-offline-${field}`).getAttribute('aria-invalid')).toBe('true');
      }
      // As one types, like the pre-chat form.
      await form.getByLabel('E-mail', { exact: true }).fill('olivia@');
      await form.getByText('Informe um e-mail válido').waitFor();

      const contact = uniqueContact('Olivia Fora');
      await form.getByLabel('Nome', { exact: true }).fill(contact.name);
      await form.getByLabel('E-mail', { exact: true }).fill(contact.email);
      await form.getByLabel('Telefone', { exact: true }).fill('(11) 98765-4321');
      await form.getByLabel('Mensagem', { exact: true }).fill('Quero trocar o tamanho <M>');
      await screenshot(page, 'offline-01-pt-form');
      await send.click();

      const received = page.locator('#atende-widget .received');
      await received.getByText(/^Recebemos sua mensagem \(ticket #\d+\)\. Responderemos por e-mail em breve\.$/).waitFor();
      await form.waitFor({ state: 'hidden' });
      await screenshot(page, 'offline-02-pt-received');
      const number = Number(/#(\d+)/.exec((await received.textContent())!)![1]);

      const ticket = await closedAdmin.tickets.get.query({ number });
      expect(ticket).toMatchObject({ status: 'OPEN', source: 'chat' });
      expect(ticket.client).toMatchObject({ email: contact.email, phone: '+5511987654321' });
      const sessionId = ticket.chatSessions[0]!.id;
      const { messages } = await closedAdmin.chats.messages.query({ sessionId });
      expect(messages.map((m) => [m.senderType, m.body])).toEqual([['client', 'Quero trocar o tamanho <M>']]);

      const mail = await smtp.next((m) => m.to === contact.email);
      expect(mail.subject).toBe(`Recebemos sua mensagem - atendimento #${number}`);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('English: the closed line, the server’s field errors shown per field, then the confirmation', async () => {
    const { context, page, errors } = await newContext(browser);
    try {
      await openEnglishShop(page, closedNode);
      await page.getByRole('button', { name: 'Chat with us' }).click();
      const form = page.locator('#atende-widget form.offline');
      await form.getByText("We're closed right now. Leave a message and we'll answer by e-mail.").waitFor();

      const contact = uniqueContact('Oscar Closed');
      await form.getByLabel('Name', { exact: true }).fill(contact.name);
      await form.getByLabel('E-mail', { exact: true }).fill(contact.email);
      await form.getByLabel('Phone', { exact: true }).fill('+1 201 555 0123');
      await form.getByLabel('Message', { exact: true }).fill('Do you ship to Canada?');

      // The server refuses the e-mail (the contract's error shape): shown under that field.
      await page.route(`${closedNode.url}/api/chat`, (route) =>
        route.request().method() === 'PUT'
          ? route.fulfill({
              status: 400,
              contentType: 'application/json',
              body: JSON.stringify({ error: { code: 'VALIDATION', message: 'Invalid input', fields: { email: 'This domain takes no mail' } } }),
            })
          : route.continue(),
      );
      await form.getByRole('button', { name: 'Send message' }).click();
      await form.getByText('This domain takes no mail').waitFor();
      expect(await form.getByLabel('E-mail', { exact: true }).getAttribute('aria-invalid')).toBe('true');
      await page.unroute(`${closedNode.url}/api/chat`);

      await form.getByRole('button', { name: 'Send message' }).click();
      const received = page.locator('#atende-widget .received');
      await received.getByText(/^We received your message \(ticket #\d+\)\. We'll answer by e-mail soon\.$/).waitFor();
      await screenshot(page, 'offline-03-en-received');
      const number = Number(/#(\d+)/.exec((await received.textContent())!)![1]);
      const ticket = await closedAdmin.tickets.get.query({ number });
      expect(ticket).toMatchObject({ status: 'OPEN', source: 'chat' });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('no agent online (routing least_busy)', () => {
  it('the offline form says nobody is available; with an agent online the pre-chat form shows and the offline part is never fetched', async () => {
    const [agent] = await createAgents(staffedNode.url, staffedAdmin, ['Otávio Plantão']);
    const files = offlineFiles();

    const nobody = await newContext(browser);
    try {
      await openEnglishShop(nobody.page, staffedNode);
      await nobody.page.getByRole('button', { name: 'Chat with us' }).click();
      await nobody.page.locator('#atende-widget form.offline').getByText("No agent is available right now. Leave a message and we'll answer by e-mail.").waitFor();
      expect(nobody.errors).toEqual([]);
    } finally {
      await nobody.context.close();
    }

    await goOnline(agent!);
    const staffed = await newContext(browser);
    try {
      const requested = recordRequests(staffed.page);
      const availability = staffed.page.waitForResponse((res) => res.url().endsWith('/api/chat/availability'));
      await staffed.page.goto(`${staffedNode.url}/`);
      await staffed.page.getByRole('button', { name: 'Fale conosco' }).click();
      expect(await (await availability).json()).toEqual({ online: true });
      await staffed.page.locator('#atende-widget form.prechat').getByLabel('Nome', { exact: true }).waitFor();
      await staffed.page.getByRole('button', { name: 'Iniciar conversa' }).waitFor();
      expect(await staffed.page.locator('#atende-widget form.offline').count()).toBe(0);
      expect(requested.filter((path) => files.includes(path))).toEqual([]);
      expect(staffed.errors).toEqual([]);
    } finally {
      await staffed.context.close();
      await goOffline(agent!);
    }
  });

  it('a network error on the availability check counts as online: the pre-chat form stays; asked again at the next open, the offline form comes', async () => {
    const { context, page, errors } = await newContext(browser);
    try {
      const availability = `${staffedNode.url}/api/chat/availability`;
      await page.route(availability, (route) => route.abort('connectionrefused'));
      const requested = recordRequests(page);
      await page.goto(`${staffedNode.url}/`);
      const asked = page.waitForRequest(availability);
      await page.getByRole('button', { name: 'Fale conosco' }).click();
      await asked;
      await page.getByRole('button', { name: 'Iniciar conversa' }).waitFor();
      expect(requested.filter((path) => offlineFiles().includes(path))).toEqual([]);

      await page.unroute(availability);
      await page.getByRole('button', { name: 'Minimizar' }).click();
      await page.getByRole('button', { name: 'Fale conosco' }).click();
      await page.locator('#atende-widget form.offline').getByText(/^Nenhum atendente disponível agora\./).waitFor();
      await page.locator('#atende-widget form.prechat').waitFor({ state: 'hidden' });
      expect(requested.filter((path) => path === 'api/chat/availability')).toHaveLength(2);
      expect(errors.filter((error) => !error.includes('ERR_CONNECTION_REFUSED'))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a visitor with a live chat (resume token stored) is not shown the offline form, even when nobody is online', async () => {
    const [agent] = await createAgents(staffedNode.url, staffedAdmin, ['Olga Turno']);
    await goOnline(agent!);
    const { context, page, errors } = await newContext(browser);
    try {
      await page.goto(`${staffedNode.url}/`);
      await page.getByRole('button', { name: 'Fale conosco' }).click();
      const contact = uniqueContact('Paula Ficou');
      await page.getByLabel('Nome', { exact: true }).fill(contact.name);
      await page.getByLabel('E-mail', { exact: true }).fill(contact.email);
      await page.getByLabel('Telefone', { exact: true }).fill('(11) 98765-4321');
      await page.getByRole('button', { name: 'Iniciar conversa' }).click();
      await page.locator('#atende-widget .ticket').getByText(/^Ticket #\d+$/).waitFor();
      await goOffline(agent!);
      expect(await (await fetch(`${staffedNode.url}/api/chat/availability`)).json()).toEqual({ online: false, reason: 'no_agents' });

      const requested = recordRequests(page);
      await page.reload();
      await page.getByRole('button', { name: 'Fale conosco' }).click();
      await page.getByRole('textbox', { name: 'Sua mensagem' }).waitFor();
      expect(await page.locator('#atende-widget form.offline').count()).toBe(0);
      expect(requested).not.toContain('api/chat/availability');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
