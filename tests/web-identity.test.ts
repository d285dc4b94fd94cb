import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAutomations } from '../server/automations/automationsConfig.js';
import type { AtendeNode } from '../server/main.js';
import { identityHash } from '../server/services/identity.js';
import { agentClient, newAdminToken, type AgentClient } from './support/agent.js';
import { launchBrowser, newContext, screenshot } from './support/browser.js';
import { uniqueContact } from './support/customer.js';
import { openTestPglite, type TestDatabase } from './support/databases.js';
import { startTestNode } from './support/node.js';

/**
 * The widget on a shop whose server vouches for its signed-in shopper (PROTOCOL §7): with
 * `data-identity-*` on the script tag or `window.Atende.identify(…)`, the form is prefilled and
 * the chat is verified; after the chat, the host page's storage keeps no token and no message;
 * "Não sou eu" forgets the contact data. In Debian's Chromium, PGlite only.
 */

const SECRET = 'shop-identity-secret-0123456789abcdef';

let database: TestDatabase;
let node: AtendeNode;
let browser: Browser;
let api: AgentClient;
let shop: Server;
let shopOrigin: string;
/** What the shop serves at each path: set per test, before it opens the page. */
const pages = new Map<string, string>();

beforeAll(async () => {
  database = await openTestPglite();
  shop = createServer((req, res) => {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(pages.get(req.url ?? '') ?? '<!doctype html><p>not found</p>');
  });
  await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
  shopOrigin = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
  const adminToken = newAdminToken();
  [node, browser] = await Promise.all([
    // Routing manual: with nobody online the widget would show the offline form (PROTOCOL §9).
    startTestNode(database.handle, { ADMIN_TOKEN: adminToken, CORS_ORIGINS: shopOrigin, IDENTITY_SECRET: SECRET }, { automations: parseAutomations({ routing: { mode: 'manual' } }) }),
    launchBrowser(),
  ]);
  api = agentClient(node.url, adminToken);
});

afterAll(async () => {
  await browser?.close();
  await node?.stop();
  await database?.close();
  shop?.close();
});

function shopPage(path: string, { head = '', attributes = '', lang = 'pt-BR' } = {}): string {
  pages.set(
    path,
    `<!doctype html><html lang="${lang}"><head>${head}</head><body><h1>Loja</h1>
    <script src="${node.url}/widget.js" data-atende-url="${node.url}" ${attributes} async></script></body></html>`,
  );
  return `${shopOrigin}${path}`;
}

const attr = (value: string) => value.replaceAll('&', '&amp;').replaceAll('"', '&quot;');

function fields(page: Page, t = { name: 'Nome', email: 'E-mail', phone: 'Telefone' }) {
  return {
    name: page.getByLabel(t.name, { exact: true }),
    email: page.getByLabel(t.email, { exact: true }),
    phone: page.getByLabel(t.phone, { exact: true }),
  };
}

/** Starts the chat from the (prefilled) form and returns the ticket's number. */
async function startChat(page: Page, label = 'Iniciar conversa'): Promise<number> {
  await page.getByRole('button', { name: label }).click();
  const ticket = page.locator('#atende-widget .ticket');
  await ticket.getByText(/^Ticket #\d+$/).waitFor();
  return Number((await ticket.textContent())!.replace('Ticket #', ''));
}

async function verifiedOf(number: number): Promise<boolean> {
  const ticket = await api.tickets.get.query({ number });
  expect(ticket.chatSessions).toHaveLength(1);
  return ticket.chatSessions[0]!.verified;
}

/** The widget's localStorage entries, parsed. */
async function stored(page: Page): Promise<Record<string, unknown>[]> {
  const raw = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('atende:')).map((k) => localStorage.getItem(k)!));
  return raw.map((value) => JSON.parse(value) as Record<string, unknown>);
}

describe('a shopper the host page vouches for', () => {
  it('data-identity-* prefill the form and verify the chat; after it ends, storage keeps no token and no message', async () => {
    const { context, page, errors } = await newContext(browser);
    try {
      const shopper = uniqueContact('Vera Verificada');
      const url = shopPage('/attributes', {
        attributes: [
          `data-identity-email="${attr(shopper.email)}"`,
          `data-identity-name="${attr(shopper.name)}"`,
          `data-identity-phone="${attr(shopper.phone)}"`,
          `data-identity-hash="${identityHash(shopper.email, SECRET)}"`,
        ].join(' '),
      });
      await page.goto(url);
      expect(await page.evaluate(() => typeof window.Atende?.identify)).toBe('function');
      await page.getByRole('button', { name: 'Fale conosco' }).click();
      const f = fields(page);
      expect(await f.name.inputValue()).toBe(shopper.name);
      expect(await f.email.inputValue()).toBe(shopper.email);
      expect(await f.phone.inputValue()).toBe(shopper.phone);
      await screenshot(page, 'identity-01-prefilled');

      const number = await startChat(page);
      expect(await verifiedOf(number)).toBe(true);

      const box = page.getByLabel('Sua mensagem');
      await box.fill('Mensagem privada do pedido 77');
      await box.press('Enter');
      await page.locator('#atende-widget li[data-seq]').filter({ hasText: 'Mensagem privada do pedido 77' }).waitFor();
      // While the chat is open the token is kept (a reload resumes).
      expect(JSON.stringify(await stored(page))).toContain('resumeToken');

      await page.getByRole('button', { name: 'Encerrar conversa' }).click();
      await page.getByText('Você encerrou a conversa.').waitFor();
      const after = await stored(page);
      expect(after).toEqual([{ contact: { name: shopper.name, email: shopper.email, phone: shopper.phone } }]);
      const everything = await page.evaluate(() => JSON.stringify({ ...localStorage }));
      expect(everything).not.toContain('resumeToken');
      expect(everything).not.toContain('Mensagem privada');
      expect(everything).not.toContain(identityHash(shopper.email, SECRET));
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('window.Atende.identify, queued by the page before the script loads, verifies the chat (English)', async () => {
    const { context, page, errors } = await newContext(browser);
    try {
      const shopper = uniqueContact('Quinn Queue');
      const identity = { email: shopper.email, name: shopper.name, phone: shopper.phone, identityHash: identityHash(shopper.email, SECRET) };
      const url = shopPage('/queued', {
        lang: 'en',
        head: `<script>
          window.Atende = window.Atende || { q: [], identify: function (i) { this.q.push(i) } };
          window.Atende.identify(${JSON.stringify(identity)});
        </script>`,
        attributes: 'data-phone-region="BR"',
      });
      await page.goto(url);
      await page.getByRole('button', { name: 'Chat with us' }).click();
      const f = fields(page, { name: 'Name', email: 'E-mail', phone: 'Phone' });
      expect(await f.email.inputValue()).toBe(shopper.email);
      expect(await f.name.inputValue()).toBe(shopper.name);
      await page.getByRole('button', { name: 'Not me' }).waitFor();
      const number = await startChat(page, 'Start chat');
      expect(await verifiedOf(number)).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('window.Atende.identify after the widget loaded verifies the chat; an e-mail edited into another drops the identity', async () => {
    const { context, page, errors } = await newContext(browser);
    try {
      const url = shopPage('/plain');
      await page.goto(url);
      await page.getByRole('button', { name: 'Fale conosco' }).click();

      const shopper = uniqueContact('Lia Depois');
      await page.evaluate(
        (identity) => window.Atende!.identify(identity),
        { email: shopper.email, identityHash: identityHash(shopper.email, SECRET) },
      );
      const f = fields(page);
      expect(await f.email.inputValue()).toBe(shopper.email);
      await f.name.fill(shopper.name);
      await f.phone.fill(shopper.phone);
      expect(await verifiedOf(await startChat(page))).toBe(true);

      // Another chat by the same page, with the e-mail changed: not vouched for, so not verified.
      await page.getByRole('button', { name: 'Encerrar conversa' }).click();
      await page.getByRole('button', { name: 'Nova conversa' }).click();
      expect(await f.email.inputValue()).toBe(shopper.email);
      const other = uniqueContact('Lia Outra');
      await f.email.fill(other.email);
      expect(await verifiedOf(await startChat(page))).toBe(false);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('another shopper signed in on the same browser does not get the chat left open there', async () => {
    const { context, page, errors } = await newContext(browser);
    try {
      const first = uniqueContact('Ana Primeira');
      await page.goto(shopPage('/shared-computer'));
      await page.getByRole('button', { name: 'Fale conosco' }).click();
      const f = fields(page);
      await f.name.fill(first.name);
      await f.email.fill(first.email);
      await f.phone.fill(first.phone);
      await startChat(page);
      const box = page.getByLabel('Sua mensagem');
      await box.fill('Conversa da Ana');
      await box.press('Enter');
      await page.locator('#atende-widget li[data-seq]').filter({ hasText: 'Conversa da Ana' }).waitFor();

      const second = uniqueContact('Bia Segunda');
      await page.goto(
        shopPage('/shared-computer-signed-in', {
          attributes: `data-identity-email="${attr(second.email)}" data-identity-hash="${identityHash(second.email, SECRET)}"`,
        }),
      );
      await page.getByRole('button', { name: 'Fale conosco' }).click();
      expect(await f.email.inputValue()).toBe(second.email);
      expect(await f.name.inputValue()).toBe('');
      await page.getByRole('button', { name: 'Iniciar conversa' }).waitFor(); // the form, not Ana's chat
      expect(await page.locator('#atende-widget .ticket').isHidden()).toBe(true);
      const everything = await page.evaluate(() => JSON.stringify({ ...localStorage }));
      expect(everything).not.toContain('resumeToken');
      expect(everything).not.toContain('Conversa da Ana');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('"Não sou eu" forgets the stored contact data and clears the fields', async () => {
    const { context, page, errors } = await newContext(browser);
    try {
      const visitor = uniqueContact('Rosa Retorno');
      await page.goto(shopPage('/returning'));
      await page.getByRole('button', { name: 'Fale conosco' }).click();
      const f = fields(page);
      // Nothing typed yet: nothing to forget.
      expect(await page.locator('#atende-widget button', { hasText: 'Não sou eu' }).isHidden()).toBe(true);
      await f.name.fill(visitor.name);
      await f.email.fill(visitor.email);
      await f.phone.fill(visitor.phone);
      expect(await verifiedOf(await startChat(page))).toBe(false);
      await page.getByRole('button', { name: 'Encerrar conversa' }).click();
      await page.getByText('Você encerrou a conversa.').waitFor();

      // A reload after the end: the form, prefilled from storage (no chat to resume).
      await page.reload();
      await page.getByRole('button', { name: 'Fale conosco' }).click();
      expect(await f.email.inputValue()).toBe(visitor.email);
      expect(await f.name.inputValue()).toBe(visitor.name);
      await page.getByRole('button', { name: 'Não sou eu' }).click();
      for (const input of [f.name, f.email, f.phone]) expect(await input.inputValue()).toBe('');
      expect(await page.evaluate(() => document.getElementById('atende-widget')?.shadowRoot?.activeElement?.id)).toBe('atende-name');
      expect(await stored(page)).toEqual([{}]);
      await screenshot(page, 'identity-02-not-me');

      await page.reload();
      await page.getByRole('button', { name: 'Fale conosco' }).click();
      expect(await f.email.inputValue()).toBe('');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
