import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseAutomations } from '../server/automations/automationsConfig.js';
import type { Database } from '../server/db/client.js';
import { rowsOf } from '../server/db/rows.js';
import type { AtendeNode } from '../server/main.js';
import type { ChatStarted } from '../shared/chat.js';
import { agentClient, expectTrpcError, newAdminToken, type AgentClient } from './support/agent.js';
import { connectCustomer, newClientMsgId, request, requestOk, uniqueContact, waitForEvent } from './support/customer.js';
import { describeOnEachDriver } from './support/databases.js';
import { startTestNode } from './support/node.js';
import { startSmtpReceiver, type SmtpReceiver } from './support/smtpReceiver.js';

/** Every text-like column of every table of the application's schema. */
async function textColumns(db: Database): Promise<Array<{ table: string; column: string }>> {
  const result = await db.execute(sql`
    select table_name as "table", column_name as "column" from information_schema.columns
    where table_schema = 'public' and data_type in ('text', 'character varying', 'jsonb', 'json')
    order by 1, 2`);
  return rowsOf<{ table: string; column: string }>(result);
}

/** Where (table.column) any of the needles is still found, case-insensitively. */
async function whereFound(db: Database, needles: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const { table, column } of await textColumns(db)) {
    for (const needle of needles) {
      const result = await db.execute(
        sql`select count(*)::int as n from ${sql.identifier(table)} where position(lower(${needle}) in lower(${sql.identifier(column)}::text)) > 0`,
      );
      if (Number(rowsOf<{ n: number }>(result)[0]?.n) > 0) found.push(`${table}.${column} ∋ ${needle}`);
    }
  }
  return found;
}

describeOnEachDriver('LGPD: clients.export and clients.erase', (db) => {
  const adminToken = newAdminToken();
  let node: AtendeNode;
  let smtp: SmtpReceiver;
  let admin: AgentClient;
  let agent: AgentClient;
  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    node = await startTestNode(
      db().handle,
      { ADMIN_TOKEN: adminToken, SMTP_URL: smtp.url, MAIL_FROM: 'Loja <atendimento@loja.example>' },
      { automations: parseAutomations({ mailRetry: { baseDelayMs: 30, pollMs: 50 } }) },
    );
    admin = agentClient(node.url, adminToken);
    const created = await admin.agents.create.mutate({ name: 'Ana Agente', email: uniqueContact().email, role: 'agent' });
    agent = agentClient(node.url, created.token);
  });
  afterAll(async () => {
    await node?.stop();
    await smtp?.close();
  });

  /** A customer with a bit of everything: chats, messages, a rating, a note, e-mails, a merged duplicate. */
  async function richCustomer() {
    const tag = randomBytes(4).toString('hex');
    const contact = uniqueContact(`Zelia Q${tag}`);
    const secretText = `Minha encomenda secreta ${tag}`;
    const comment = `Comentario pessoal ${tag}`;
    const socket = await connectCustomer(node.url);
    const started = await requestOk<ChatStarted>(socket, 'chat:start', { name: contact.name, email: contact.email, phone: contact.phone, message: secretText });
    await requestOk(socket, 'message:send', { body: `Meu telefone é ${contact.phone}`, clientMsgId: newClientMsgId() });
    await agent.tickets.reply.mutate({ id: started.ticketId, body: `Olá ${contact.name}, confirmamos ${contact.email}`, clientMsgId: newClientMsgId() });
    await agent.tickets.note.mutate({ id: started.ticketId, body: `Cliente ligou do ${contact.e164}` });
    await requestOk(socket, 'chat:transcript', {});
    await requestOk(socket, 'chat:close', { reason: `Saindo, ${secretText}` });
    await requestOk(socket, 'chat:rate', { score: 4, comment });
    socket.disconnect();
    const late = await agent.tickets.reply.mutate({ id: started.ticketId, body: `Mais uma coisa, ${contact.name}`, clientMsgId: newClientMsgId() });
    const lateMail = await smtp.next((m) => m.to === contact.email && m.subject.startsWith('Nova resposta'));
    const link = /\/c\/([^\s"<]+)/.exec(lateMail.text)![1]!;
    // The same person under another e-mail, merged in: their data sits in the audit trail.
    const alt = uniqueContact(`Zelia Q${tag}`);
    const duplicate = await agent.tickets.create.mutate({ subject: `E-mail de ${alt.email}`, source: 'email', client: { email: alt.email, name: contact.name } });
    await agent.clients.merge.mutate({ sourceId: duplicate.client.id, targetId: (await agent.tickets.get.query({ id: started.ticketId })).client.id });
    // A chat still open when the erasure comes.
    const open = await connectCustomer(node.url);
    const openChat = await requestOk<ChatStarted>(open, 'chat:start', { name: contact.name, email: contact.email, phone: contact.phone, message: secretText });
    const ticket = await agent.tickets.get.query({ id: started.ticketId });
    return { contact, alt, secretText, comment, started, late, link, clientId: ticket.client.id, open, openChat, duplicate };
  }

  it('clients.export gives every record about the customer as JSON, without notes; admins only', async () => {
    const c = await richCustomer();
    c.open.disconnect();
    await expectTrpcError(agent.clients.export.query({ id: c.clientId }), 'FORBIDDEN');
    const exported = await admin.clients.export.query({ id: c.clientId });
    expect(exported.client).toMatchObject({ id: c.clientId, email: c.contact.email, phone: c.contact.e164, totalTickets: 3, erasedAt: null });
    expect(exported.tickets.map((t) => t.number).sort()).toEqual([c.started.ticketNumber, c.duplicate.number, c.openChat.ticketNumber].sort());
    const messages = exported.chatSessions.flatMap((s) => s.messages.map((m) => m.body));
    expect(messages).toContain(c.secretText);
    expect(messages).toContain(c.late.body);
    expect(exported.chatSessions.find((s) => s.id === c.started.sessionId)?.rating).toMatchObject({ score: 4, comment: c.comment });
    expect(exported.emails.map((e) => e.kind).sort()).toEqual(['late_reply', 'transcript']);
    const text = JSON.stringify(exported);
    expect(text).not.toContain('Cliente ligou do'); // the note
    expect(text).not.toContain('resumeTokenHash');
    await expectTrpcError(admin.clients.export.query({ id: '00000000-0000-4000-8000-000000000000' }), 'NOT_FOUND');
  });

  it('after clients.erase no table holds the e-mail, phone, name or a message text; tokens and links are revoked; numbers and counts stay', async () => {
    const c = await richCustomer();
    const needles = [c.contact.email, c.alt.email, c.contact.e164, c.contact.name, c.secretText, c.comment];
    // Everything is somewhere before.
    expect((await whereFound(db().handle.db, needles)).length).toBeGreaterThan(needles.length);

    await expectTrpcError(agent.clients.erase.mutate({ id: c.clientId }), 'FORBIDDEN');
    const closed = waitForEvent(c.open, 'chat:closed');
    const erased = await admin.clients.erase.mutate({ id: c.clientId });
    expect(erased).toMatchObject({ id: c.clientId, erasedAt: expect.any(String) });
    await closed;
    c.open.disconnect();

    expect(await whereFound(db().handle.db, needles)).toEqual([]);

    const client = await admin.clients.get.query({ id: c.clientId });
    expect(client).toMatchObject({ name: '[removido]', email: null, phone: null, totalTickets: 3 });
    const ticket = await admin.tickets.get.query({ id: c.started.ticketId });
    expect(ticket.number).toBe(c.started.ticketNumber);
    expect(ticket.subject).toBe('Chat iniciado - [removido]');
    expect(ticket.events.filter((e) => e.type === 'client.erased')).toHaveLength(1);
    const messages = (await admin.chats.messages.query({ sessionId: c.started.sessionId })).messages;
    expect(messages.filter((m) => m.senderType === 'client').every((m) => m.body === '[removido]')).toBe(true);
    expect(messages.length).toBeGreaterThanOrEqual(4);

    const socket = await connectCustomer(node.url);
    for (const token of [c.started.resumeToken, c.link, c.openChat.resumeToken]) {
      expect(await request(socket, 'chat:resume', { resumeToken: token })).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    }
    socket.disconnect();
    expect((await fetch(`${node.url}/c/${c.link}`)).status).toBe(404);

    // A reply now is stored but e-mailed to no one; the same e-mail chatting again is a new customer.
    await agent.tickets.reply.mutate({ id: c.started.ticketId, body: 'Ainda aí?', clientMsgId: newClientMsgId() });
    expect(await whereFound(db().handle.db, [c.contact.email])).toEqual([]);
    await expect(admin.clients.erase.mutate({ id: c.clientId })).resolves.toMatchObject({ id: c.clientId });
  });
});
