import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AtendeNode } from '../server/main.js';
import type { ChatStarted } from '../shared/chat.js';
import { agentClient, newAdminToken } from './support/agent.js';
import { launchBrowser, newContext, screenshot } from './support/browser.js';
import { connectCustomer, requestOk, uniqueContact } from './support/customer.js';
import { openTestPglite, type TestDatabase } from './support/databases.js';
import { startTestNode } from './support/node.js';

/** Markup a visitor might type, each trying to run script or inject elements in the agent's page. */
const HOSTILE = [
  '<img src=x onerror="window.__pwned=(window.__pwned||0)+1">',
  '<script>window.__pwned=1</script>',
  '"><svg onload="window.__pwned=1">',
  '<a href="javascript:window.__pwned=1">clique</a>',
  '<iframe src="javascript:parent.__pwned=1"></iframe>',
];

describe('hostile names and messages are inert in the console', () => {
  let database: TestDatabase;
  let node: AtendeNode;
  let browser: Browser;
  let adminToken: string;

  beforeAll(async () => {
    database = await openTestPglite();
    adminToken = newAdminToken();
    [node, browser] = await Promise.all([startTestNode(database.handle, { ADMIN_TOKEN: adminToken }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await node?.stop();
    await database?.close();
  });

  it('shows every hostile string as text in the list and the transcript, runs none of it', async () => {
    const socket = await connectCustomer(node.url);
    const contact = uniqueContact();
    const name = `${HOSTILE[0]} Maria`;
    const started = await requestOk<ChatStarted>(socket, 'chat:start', {
      name,
      email: contact.email,
      phone: contact.phone,
      message: HOSTILE[1],
    });
    for (const [i, body] of HOSTILE.entries()) await requestOk(socket, 'message:send', { body, clientMsgId: `h${i}` });
    // And through the agent API, a hostile category and reply (agents' text is shown too).
    const api = agentClient(node.url, adminToken);
    await api.tickets.update.mutate({ id: started.ticketId, category: HOSTILE[2]! });
    await api.tickets.reply.mutate({ id: started.ticketId, body: HOSTILE[3]!, clientMsgId: 'agent-h' });

    const { context, page, errors } = await newContext(browser);
    try {
      await page.goto(`${node.url}/console`);
      await page.getByLabel('Token de API').fill(adminToken);
      await page.getByRole('button', { name: 'Entrar' }).click();
      const row = page.locator(`tr[data-ticket="${started.ticketNumber}"]`);
      await row.waitFor();
      await row.getByText(name, { exact: false }).first().waitFor();
      await row.getByRole('link', { name: 'Ver conversa' }).click();
      const transcript = page.locator('.transcript li[data-seq]');
      for (const body of HOSTILE) await transcript.filter({ hasText: body }).first().waitFor();
      await page.getByText(HOSTILE[2]!).first().waitFor();
      await screenshot(page, '20-console-hostile-text');

      expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await page.locator('main img, main script, main svg, main iframe, .transcript a').count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      socket.disconnect();
    }
  });
});
