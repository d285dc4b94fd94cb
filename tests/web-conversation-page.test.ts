import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAutomations } from '../server/automations/automationsConfig.js';
import type { AtendeNode } from '../server/main.js';
import type { ChatStarted } from '../shared/chat.js';
import { agentClient, newAdminToken, type AgentClient } from './support/agent.js';
import { launchBrowser, newContext, screenshot } from './support/browser.js';
import { connectCustomer, newClientMsgId, requestOk, uniqueContact } from './support/customer.js';
import { openTestPglite, type TestDatabase } from './support/databases.js';
import { startTestNode } from './support/node.js';
import { startSmtpReceiver, type SmtpReceiver } from './support/smtpReceiver.js';

/**
 * PROTOCOL §9 "Late replies", in Debian's Chromium: the link of a late reply's e-mail opens the
 * conversation, and the customer's answer there lands in the same ticket.
 */

let database: TestDatabase;
let node: AtendeNode;
let smtp: SmtpReceiver;
let browser: Browser;
let agent: AgentClient;

beforeAll(async () => {
  database = await openTestPglite();
  smtp = await startSmtpReceiver();
  const adminToken = newAdminToken();
  [node, browser] = await Promise.all([
    startTestNode(
      database.handle,
      { ADMIN_TOKEN: adminToken, SMTP_URL: smtp.url, MAIL_FROM: 'Loja <atendimento@loja.example>' },
      { automations: parseAutomations({ routing: { mode: 'manual' }, mailRetry: { baseDelayMs: 30, pollMs: 50 } }) },
    ),
    launchBrowser(),
  ]);
  agent = agentClient(node.url, adminToken);
});

afterAll(async () => {
  await browser?.close();
  await node?.stop();
  await smtp?.close();
  await database?.close();
});

describe('the /c/<token> page', () => {
  it('opens the conversation from the e-mail; the answer typed there lands in the same ticket, and a reload sends nothing again', async () => {
    const contact = uniqueContact('Clara Link');
    const socket = await connectCustomer(node.url);
    const started = await requestOk<ChatStarted>(socket, 'chat:start', { name: contact.name, email: contact.email, phone: contact.phone, message: 'Meu pedido?' });
    await requestOk(socket, 'chat:close', {});
    socket.disconnect();
    await agent.tickets.reply.mutate({ id: started.ticketId, body: 'Chegou hoje <b>cedo</b>!', clientMsgId: newClientMsgId() });
    const mail = await smtp.next((m) => m.to === contact.email);
    const link = /(http:\/\/\S+\/c\/[^\s"<]+)/.exec(mail.text)![1]!;

    const { context, page, errors } = await newContext(browser);
    try {
      await page.goto(link);
      await page.getByRole('heading', { name: `Atendimento #${started.ticketNumber}` }).waitFor();
      await page.getByText('Chegou hoje <b>cedo</b>!', { exact: true }).waitFor();
      await page.getByText('Meu pedido?', { exact: true }).waitFor();
      await screenshot(page, 'conversation-01-pt-link');
      await page.getByLabel('Sua resposta').fill('Recebi, obrigada!');
      await page.getByRole('button', { name: 'Enviar' }).click();
      await page.getByText('Recebi, obrigada!', { exact: true }).waitFor();
      await screenshot(page, 'conversation-02-pt-answered');
      await page.reload();
      await page.getByText('Recebi, obrigada!', { exact: true }).waitFor();

      const ticket = await agent.tickets.get.query({ id: started.ticketId });
      expect(ticket.status).toBe('OPEN');
      expect(ticket.chatSessions).toHaveLength(2);
      const answered = await agent.chats.messages.query({ sessionId: ticket.chatSessions[1]!.id });
      expect(answered.messages.map((m) => [m.senderType, m.body])).toEqual([['client', 'Recebi, obrigada!']]);
      expect(errors).toEqual([]);

      // A link cut short opens nothing.
      const response = await page.goto(link.slice(0, -3));
      expect(response?.status()).toBe(404);
      await page.getByText('Este link não é válido ou expirou.').waitFor();
    } finally {
      await context.close();
    }
  });
});
