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

/**
 * PROTOCOL §9 "Satisfaction", in Debian's Chromium: when the chat ends the widget asks for a
 * rating (stars 1–5, an optional comment, or skip), from a part fetched only then.
 */

const WEB = resolve(import.meta.dirname, '../dist/web');

let database: TestDatabase;
let node: AtendeNode;
let browser: Browser;
let admin: AgentClient;

beforeAll(async () => {
  database = await openTestPglite();
  const adminToken = newAdminToken();
  [node, browser] = await Promise.all([
    startTestNode(database.handle, { ADMIN_TOKEN: adminToken }, { automations: parseAutomations({ routing: { mode: 'manual' } }) }),
    launchBrowser(),
  ]);
  admin = agentClient(node.url, adminToken);
});

afterAll(async () => {
  await browser?.close();
  await node?.stop();
  await database?.close();
});

function ratingFiles(): string[] {
  return JSON.parse(readFileSync(join(WEB, 'build.json'), 'utf8')).widget.lazy.rating;
}

/** Opens the widget on the demo page and starts a chat; returns the ticket's number. */
async function startChat(page: Page): Promise<number> {
  const contact = uniqueContact('Rita Nota');
  await page.goto(`${node.url}/`);
  await page.getByRole('button', { name: 'Fale conosco' }).click();
  await page.getByLabel('Nome', { exact: true }).fill(contact.name);
  await page.getByLabel('E-mail', { exact: true }).fill(contact.email);
  await page.getByLabel('Telefone', { exact: true }).fill('(11) 98765-4321');
  await page.getByRole('button', { name: 'Iniciar conversa' }).click();
  const ticket = page.locator('#atende-widget .ticket');
  await ticket.getByText(/^Ticket #\d+$/).waitFor();
  return Number((await ticket.textContent())!.replace('Ticket #', ''));
}

describe('the rating at the end of a chat', () => {
  it('asks once the chat ends (the part loads only then); 4 stars and a comment reach the ticket as ticket.rated', async () => {
    const { context, page, errors } = await newContext(browser);
    try {
      const files = ratingFiles();
      expect(files.length).toBeGreaterThan(0);
      const requested: string[] = [];
      page.on('request', (request) => requested.push(new URL(request.url()).pathname.slice(1)));
      const number = await startChat(page);
      expect(requested.filter((path) => files.includes(path))).toEqual([]);

      await page.getByRole('button', { name: 'Encerrar conversa' }).click();
      await page.getByText('Como foi o atendimento?').waitFor();
      expect(requested.filter((path) => files.includes(path))).toEqual(files);
      const send = page.getByRole('button', { name: 'Enviar avaliação' });
      expect(await send.isDisabled()).toBe(true);
      await page.getByRole('button', { name: '4 estrelas' }).click();
      expect(await page.getByRole('button', { name: '4 estrelas' }).getAttribute('aria-pressed')).toBe('true');
      expect(await page.getByRole('button', { name: '5 estrelas' }).getAttribute('aria-pressed')).toBe('false');
      await page.getByLabel('Comentário (opcional)').fill('Rápido <e> gentil');
      await screenshot(page, 'rating-01-pt-asking');
      await send.click();
      await page.getByText('Obrigado pela avaliação!').waitFor();
      await screenshot(page, 'rating-02-pt-thanks');

      const ticket = await admin.tickets.get.query({ number });
      const rated = ticket.events.find((event) => event.type === 'ticket.rated');
      expect(rated?.data).toMatchObject({ score: 4, comment: 'Rápido <e> gentil' });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('"Pular" skips it: nothing is sent and the question goes away', async () => {
    const { context, page, errors } = await newContext(browser);
    try {
      const number = await startChat(page);
      await page.getByRole('button', { name: 'Encerrar conversa' }).click();
      await page.getByRole('button', { name: 'Pular' }).click();
      await page.getByText('Como foi o atendimento?').waitFor({ state: 'hidden' });
      await page.getByRole('button', { name: 'Nova conversa' }).waitFor();
      const ticket = await admin.tickets.get.query({ number });
      expect(ticket.events.filter((event) => event.type === 'ticket.rated')).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
