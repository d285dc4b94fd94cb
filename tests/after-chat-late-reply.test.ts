import { and, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { parseAutomations } from '../server/automations/automationsConfig.js';
import { chatSessions, mailOutbox, tickets } from '../server/db/schema.js';
import type { AtendeNode } from '../server/main.js';
import { authenticateChat } from '../server/services/chat/authenticateChat.js';
import { loadChatLinks } from '../server/services/chat/chatLinks.js';
import type { ChatResumed, ChatStarted, Message } from '../shared/chat.js';
import { agentClient, expectTrpcError, followEvents, newAdminToken, type AgentClient } from './support/agent.js';
import { connectCustomer, newClientMsgId, request, requestOk, uniqueContact, waitForEvent, type CustomerSocket } from './support/customer.js';
import { describeOnEachDriver } from './support/databases.js';
import { startTestNode } from './support/node.js';
import { startSmtpReceiver, type ReceivedMail, type SmtpReceiver } from './support/smtpReceiver.js';

describeOnEachDriver('late replies by e-mail with a /c/<token> link', (db) => {
  const adminToken = newAdminToken();
  let node: AtendeNode;
  let smtp: SmtpReceiver;
  let agent: AgentClient;
  const sockets: CustomerSocket[] = [];
  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    node = await startTestNode(
      db().handle,
      { ADMIN_TOKEN: adminToken, SMTP_URL: smtp.url, MAIL_FROM: 'Loja <atendimento@loja.example>' },
      { automations: parseAutomations({ mailRetry: { baseDelayMs: 30, pollMs: 50 } }) },
    );
    agent = agentClient(node.url, adminToken);
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.disconnect();
  });
  afterAll(async () => {
    await node?.stop();
    await smtp?.close();
  });

  async function socket(): Promise<CustomerSocket> {
    const connected = await connectCustomer(node.url);
    sockets.push(connected);
    return connected;
  }

  /** A chat that ended (resolved by the default automation), then answered late by an agent. */
  async function endedChatWithLateReply(body = 'Seu pedido saiu para entrega <hoje> & amanhã') {
    const customer = await socket();
    const contact = uniqueContact('Lara Tardia');
    const started = await requestOk<ChatStarted>(customer, 'chat:start', { name: contact.name, email: contact.email, phone: contact.phone, message: 'Cadê meu pedido?' });
    await agent.tickets.reply.mutate({ id: started.ticketId, body: 'Vou ver', clientMsgId: newClientMsgId() });
    await requestOk(customer, 'chat:close', {});
    customer.disconnect();
    const reply = await agent.tickets.reply.mutate({ id: started.ticketId, body, clientMsgId: newClientMsgId() });
    const mail = await smtp.next((m) => m.to === contact.email);
    return { started, contact, reply, mail, token: linkToken(mail) };
  }

  function linkToken(mail: ReceivedMail): string {
    const match = new RegExp(`${node.ctx.policy.publicUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/c/([^\\s"<]+)`).exec(mail.text);
    if (!match) throw new Error(`no link in ${mail.text}`);
    return match[1]!;
  }

  it('a reply after the chat ended is stored in the same thread and e-mailed once, with a working link', async () => {
    const { started, reply, mail, token } = await endedChatWithLateReply();
    expect(reply).toMatchObject({ sessionId: started.sessionId, seq: 3, senderType: 'agent' });
    expect(mail.subject).toBe(`Nova resposta ao seu atendimento #${started.ticketNumber}`);
    expect(mail.text).toContain('Seu pedido saiu para entrega <hoje> & amanhã');
    expect(mail.html).toContain('Seu pedido saiu para entrega &#60;hoje&#62; &#38; amanhã');
    expect(mail.html).toContain(`href="${node.ctx.policy.publicUrl}/c/${token}"`);
    const rows = await db().handle.db.select().from(mailOutbox).where(and(eq(mailOutbox.ticketId, started.ticketId), eq(mailOutbox.kind, 'late_reply')));
    expect(rows).toHaveLength(1);

    // The link opens the widget's page on that conversation.
    const page = await fetch(`${node.ctx.policy.publicUrl}/c/${token}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = await page.text();
    expect(html).toContain(`Atendimento #${started.ticketNumber}`);
    // The conversation, escaped, and a form to answer.
    expect(html).toContain('Seu pedido saiu para entrega &#60;hoje&#62; &#38; amanhã');
    expect(html).not.toContain('<hoje>');
    expect(html).toContain('<form method="post">');
  });

  it('the same reply retried (same clientMsgId) stores one message and sends one e-mail', async () => {
    const { started, reply } = await endedChatWithLateReply();
    const again = await agent.tickets.reply.mutate({ id: started.ticketId, body: reply.body, clientMsgId: reply.clientMsgId! });
    expect(again).toEqual(reply);
    const rows = await db().handle.db.select().from(mailOutbox).where(and(eq(mailOutbox.ticketId, started.ticketId), eq(mailOutbox.kind, 'late_reply')));
    expect(rows).toHaveLength(1);
  });

  it('the link is a resume token: the customer answers through it into the same ticket, as a new session, and the ticket reopens', async () => {
    const { started, reply, token } = await endedChatWithLateReply();
    const events = followEvents(agent, { ticketId: started.ticketId });
    await events.started;
    const customer = await socket();
    const resumed = await requestOk<ChatResumed>(customer, 'chat:resume', { resumeToken: token });
    expect(resumed).toMatchObject({ sessionId: started.sessionId, ticketNumber: started.ticketNumber, status: 'closed', continuable: true });
    expect(resumed.messages.at(-1)).toEqual(reply);

    const answer = await requestOk<Message>(customer, 'message:send', { body: 'Obrigada, chegou!', clientMsgId: 'answer-1' });
    expect(answer.sessionId).not.toBe(started.sessionId);
    expect(answer).toMatchObject({ seq: 1, senderType: 'client', body: 'Obrigada, chegou!' });
    // Sent again, it is the same message.
    expect(await requestOk(customer, 'message:send', { body: 'Obrigada, chegou!', clientMsgId: 'answer-1' })).toEqual(answer);

    const ticket = await agent.tickets.get.query({ id: started.ticketId });
    expect(ticket.status).toBe('OPEN');
    expect(ticket.chatSessions.map((s) => [s.id, s.status])).toEqual([
      [started.sessionId, 'closed'],
      [answer.sessionId, 'active'],
    ]);
    await events.next((e) => e.type === 'message.created' && e.message.id === answer.id);
    await events.next((e) => e.type === 'ticket.updated' && e.changes.status?.to === 'OPEN');
    events.stop();

    // The agent's next reply goes live into the new session: the customer sees it, no e-mail.
    const live = waitForEvent<Message>(customer, 'message:new', (m) => m.senderType === 'agent');
    const next = await agent.tickets.reply.mutate({ id: started.ticketId, body: 'Que bom!', clientMsgId: newClientMsgId() });
    expect(await live).toEqual(next);
    expect(next.sessionId).toBe(answer.sessionId);
    const mails = await db().handle.db.select().from(mailOutbox).where(eq(mailOutbox.ticketId, started.ticketId));
    expect(mails).toHaveLength(1);

    // The link now opens the conversation where it goes on.
    const again = await socket();
    expect(await requestOk<ChatResumed>(again, 'chat:resume', { resumeToken: token })).toMatchObject({ sessionId: answer.sessionId, status: 'active' });
  });

  it('over HTTP: Authorization Bearer <link token> reads the conversation and posts into the same ticket', async () => {
    const { started, token } = await endedChatWithLateReply();
    const call = (method: string, body?: unknown) =>
      fetch(`${node.url}/api/chat`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
    const read = await call('GET');
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ sessionId: started.sessionId, status: 'closed', continuable: true });
    const posted = await call('POST', { body: 'Pelo HTTP', clientMsgId: 'http-1' });
    expect(posted.status).toBe(201);
    const message = (await posted.json()) as Message;
    const [session] = await db().handle.db.select().from(chatSessions).where(eq(chatSessions.id, message.sessionId));
    expect(session).toMatchObject({ ticketId: started.ticketId, status: 'active' });
    const [ticket] = await db().handle.db.select().from(tickets).where(eq(tickets.id, started.ticketId));
    expect(ticket!.customerMessages).toBe(2);
  });

  it('a plain resume token of the ended chat stays read-only (CLOSED), and a tampered or expired link opens nothing', async () => {
    const { started, token } = await endedChatWithLateReply();
    const customer = await socket();
    const resumed = await requestOk<ChatResumed>(customer, 'chat:resume', { resumeToken: started.resumeToken });
    expect(resumed.continuable).toBeUndefined();
    expect(await request(customer, 'message:send', { body: 'x', clientMsgId: 'x' })).toMatchObject({ ok: false, error: { code: 'CLOSED' } });

    const [sessionId, expiry, signature] = token.split('.');
    const tampered = [
      `${sessionId}.${(Number.parseInt(expiry!, 36) + 1000).toString(36)}.${signature}`,
      `${sessionId}.${expiry}.${signature!.slice(0, -2)}AA`,
      `${started.ticketId}.${expiry}.${signature}`,
    ];
    for (const bad of tampered) {
      expect(await request(customer, 'chat:resume', { resumeToken: bad }), bad).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
      expect((await fetch(`${node.url}/c/${bad}`)).status).toBe(404);
    }
    const [session] = await db().handle.db.select().from(chatSessions).where(eq(chatSessions.id, started.sessionId));
    const expired = (await loadChatLinks(db().handle.db, { ttlMs: -1 })).issue(session!);
    await expect(authenticateChat(expired, node.ctx)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('a ticket without a chat is still NOT_FOUND for a reply', async () => {
    const emailTicket = await agent.tickets.create.mutate({ subject: 'e-mail', source: 'email', client: { email: uniqueContact().email } });
    await expectTrpcError(agent.tickets.reply.mutate({ id: emailTicket.id, body: 'hi', clientMsgId: 'x' }), 'NOT_FOUND');
  });
});
