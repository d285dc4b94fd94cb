import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AtendeNode } from '../server/main.js';
import { identityHash } from '../server/services/identity.js';
import type { ChatStarted } from '../shared/chat.js';
import { agentClient, newAdminToken, type AgentClient } from './support/agent.js';
import { launchBrowser, newContext, screenshot } from './support/browser.js';
import { connectCustomer, requestOk, uniqueContact, type CustomerSocket } from './support/customer.js';
import { openTestPglite, type TestDatabase } from './support/databases.js';
import { startTestNode } from './support/node.js';

/**
 * PROTOCOL §7 in the agent console, in Debian's Chromium: an agent can tell a verified chat
 * from a visitor's claim, sees what was typed next to what is on file, and accepts a contact
 * suggestion. PGlite only: the database paths are covered on both drivers elsewhere.
 */

const SECRET = 'host-site-shared-secret-console-tests';

let database: TestDatabase;
let node: AtendeNode;
let browser: Browser;
let api: AgentClient;
let agentToken: string;
const sockets: CustomerSocket[] = [];

beforeAll(async () => {
  database = await openTestPglite();
  const adminToken = newAdminToken();
  [node, browser] = await Promise.all([
    startTestNode(database.handle, { ADMIN_TOKEN: adminToken, IDENTITY_SECRET: SECRET }),
    launchBrowser(),
  ]);
  const created = await agentClient(node.url, adminToken).agents.create.mutate({
    name: 'Ana Console',
    email: uniqueContact('Ana').email,
    role: 'agent',
  });
  agentToken = created.token;
  api = agentClient(node.url, agentToken);
});

afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await browser?.close();
  await node?.stop();
  await database?.close();
});

async function visitorChat(payload: { name: string; email: string; phone: string; identityHash?: string }): Promise<ChatStarted> {
  const socket = await connectCustomer(node.url);
  sockets.push(socket);
  return requestOk<ChatStarted>(socket, 'chat:start', payload);
}

async function openTicket(page: Page, number: number) {
  await page.goto(`${node.url}/console`);
  await page.getByLabel('Token de API').fill(agentToken);
  await page.getByRole('button', { name: 'Entrar' }).click();
  await page.getByRole('heading', { name: 'Tickets' }).waitFor();
  await page.evaluate((hash) => (location.hash = hash), `#/tickets/${number}`);
  await page.locator('main[data-live]').waitFor();
}

it('the ticket page shows an unverified chat matched by phone, typed vs on file, and accepting its suggestion fills the customer', async () => {
  const victim = uniqueContact('Vitoria Fone');
  const registered = await api.tickets.create.mutate({ subject: 'Ligação', source: 'phone', client: { name: victim.name, phone: victim.phone } });
  const attacker = uniqueContact('Atacante');
  // Markup in a name must show as text, never run.
  const hostileName = '<img src=x onerror="window.__pwned=1">Atacante';
  const started = await visitorChat({ name: hostileName, email: attacker.email, phone: victim.phone });

  const { context, page, errors } = await newContext(browser);
  try {
    await openTicket(page, started.ticketNumber);
    const identity = page.locator('.chat-identity');
    await identity.getByText('Não verificado', { exact: true }).waitFor();
    await identity.getByText('identificado por telefone', { exact: true }).waitFor();

    const row = (field: string) => identity.locator(`tr[data-field="${field}"]`);
    expect(await row('email').locator('td.typed').textContent()).toBe(attacker.email);
    expect(await row('email').locator('td.on-file').textContent()).toBe('—');
    expect(await row('name').locator('td.typed').textContent()).toBe(hostileName);
    expect(await row('name').locator('td.on-file').textContent()).toBe(victim.name);
    expect(await row('phone').locator('td.on-file').textContent()).toBe(victim.e164);
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();

    const suggestion = identity.locator('.suggestions li[data-field="email"]');
    expect(await suggestion.textContent()).toContain(attacker.email);
    await screenshot(page, '13-console-identity-suggestion');
    await suggestion.getByRole('button', { name: 'Aceitar' }).click();

    // Accepted: the suggestion is gone and the e-mail is on file, in the page and in the database.
    await suggestion.waitFor({ state: 'detached' });
    await row('email').locator('td.on-file', { hasText: attacker.email }).waitFor();
    expect((await api.clients.get.query({ id: registered.client.id })).email).toBe(attacker.email);
    expect(errors).toEqual([]);
  } finally {
    await context.close();
  }
});

it('a verified chat reads "Verificado" and how it was matched, on the ticket and on the customer page', async () => {
  const contact = uniqueContact('Veronica Verificada');
  const registered = await api.tickets.create.mutate({ subject: 'E-mail', source: 'email', client: { email: contact.email } });
  const started = await visitorChat({
    name: contact.name,
    email: contact.email,
    phone: contact.phone,
    identityHash: identityHash(contact.email, SECRET),
  });

  const { context, page, errors } = await newContext(browser);
  try {
    await openTicket(page, started.ticketNumber);
    const identity = page.locator('.chat-identity');
    await identity.getByText('Verificado', { exact: true }).waitFor();
    await identity.getByText('identificado por e-mail', { exact: true }).waitFor();
    expect(await identity.locator('.suggestions').count()).toBe(0);

    await page.evaluate((hash) => (location.hash = hash), `#/clients/${registered.client.id}`);
    const chat = page.locator(`.chat-history li[data-session="${started.sessionId}"]`);
    await chat.getByText('Verificado', { exact: true }).waitFor();
    await chat.getByText('identificado por e-mail', { exact: true }).waitFor();
    expect(errors).toEqual([]);
  } finally {
    await context.close();
  }
});
