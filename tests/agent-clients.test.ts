import { eq, inArray } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { chatMessages, chatSessions, clients, ticketEvents, tickets } from '../server/db/schema.js';
import { postMessage } from '../server/services/chat/postMessage.js';
import { startChat } from '../server/services/chat/startChat.js';
import { agentClient, expectTrpcError, newAdminToken, type AgentClient } from './support/agent.js';
import { uniqueContact } from './support/customer.js';
import { describeOnEachDriver } from './support/databases.js';
import { useTestNode } from './support/suite.js';

describeOnEachDriver('agent API: customers', (db) => {
  const adminToken = newAdminToken();
  let agent: AgentClient;
  let agentId: string;
  const node = useTestNode(db, { ADMIN_TOKEN: adminToken });
  beforeAll(async () => {
    const created = await agentClient(node().url, adminToken).agents.create.mutate({
      name: 'Clara',
      email: uniqueContact().email,
      role: 'agent',
    });
    agent = agentClient(node().url, created.token);
    agentId = created.agent.id;
  });

  async function chatWithMessages(contact: ReturnType<typeof uniqueContact>, bodies: string[]) {
    const { started, chat } = await startChat({ name: contact.name, email: contact.email, phone: contact.e164 }, node().ctx);
    for (const body of bodies) await postMessage(chat, { type: 'client', name: contact.name }, { body, clientMsgId: body }, node().ctx);
    return { ...started, clientId: chat.clientId };
  }

  it('clients.get answers the Client shape; an unknown id is NOT_FOUND', async () => {
    const contact = uniqueContact('Helena Get');
    const started = await chatWithMessages(contact, []);
    const client = await agent.clients.get.query({ id: started.clientId });
    expect(client).toEqual({
      id: started.clientId,
      name: 'Helena Get',
      email: contact.email,
      phone: contact.e164,
      totalTickets: 1,
      createdAt: expect.stringMatching(/Z$/),
    });
    await expectTrpcError(agent.clients.get.query({ id: '00000000-0000-4000-8000-000000000000' }), 'NOT_FOUND');
  });

  it('clients.search finds by e-mail, phone as typed or in part, and name', async () => {
    const tag = Math.random().toString(36).slice(2, 10);
    const contact = uniqueContact(`Ivone ${tag}`);
    const started = await chatWithMessages(contact, []);
    const ids = async (q: string) => (await agent.clients.search.query({ q })).map((c) => c.id);
    expect(await ids(contact.email.toUpperCase())).toEqual([started.clientId]);
    expect(await ids(contact.phone)).toEqual([started.clientId]);
    expect(await ids(contact.e164)).toEqual([started.clientId]);
    expect(await ids(contact.e164.slice(-8))).toContain(started.clientId);
    expect(await ids(tag)).toEqual([started.clientId]);
    expect(await ids(`ivone ${tag}`.toUpperCase())).toEqual([started.clientId]);
    expect(await ids(`${tag}_%`)).toEqual([]);
    await expectTrpcError(agent.clients.search.query({ q: '  ' }), 'BAD_REQUEST');
  });

  it('clients.history holds every ticket of every channel and every chat, newest first', async () => {
    const contact = uniqueContact('Jonas History');
    const first = await chatWithMessages(contact, ['a', 'b']);
    const email = await agent.tickets.create.mutate({ subject: 'Mail', source: 'email', client: { email: contact.email } });
    const phone = await agent.tickets.create.mutate({ subject: 'Call', source: 'phone', client: { phone: contact.phone } });
    const second = await chatWithMessages(contact, ['c']);
    const history = await agent.clients.history.query({ id: first.clientId });
    expect(history.client).toMatchObject({ id: first.clientId, totalTickets: 4 });
    expect(history.tickets.map((t) => [t.number, t.source])).toEqual([
      [second.ticketNumber, 'chat'],
      [phone.number, 'phone'],
      [email.number, 'email'],
      [first.ticketNumber, 'chat'],
    ]);
    expect(history.chatSessions.map((s) => [s.id, s.ticketId, s.messageCount])).toEqual([
      [second.sessionId, second.ticketId, 1],
      [first.sessionId, first.ticketId, 2],
    ]);
  });

  it('clients.duplicates lists namesakes with other contacts, never the customer itself', async () => {
    const name = `Kátia Homônima ${Math.random().toString(36).slice(2, 8)}`;
    const a = await chatWithMessages(uniqueContact(name), []);
    const b = await chatWithMessages(uniqueContact(name.toUpperCase()), []);
    const c = await chatWithMessages(uniqueContact(`${name} Filha`), []);
    const duplicates = await agent.clients.duplicates.query({ id: a.clientId });
    expect(duplicates.map((d) => d.id)).toEqual([b.clientId]);
    expect((await agent.clients.duplicates.query({ id: c.clientId })).map((d) => d.id)).toEqual([]);
    // Suggested only: both records are still there.
    const rows = await db().handle.db.select().from(clients).where(inArray(clients.id, [a.clientId, b.clientId]));
    expect(rows).toHaveLength(2);
  });

  it('clients.merge moves every ticket, chat and message to the target, sums counts, fills blanks, audits', async () => {
    const name = 'Lucia Merge';
    const sourceContact = uniqueContact(name);
    const source1 = await chatWithMessages(sourceContact, ['s1', 's2']);
    const source2 = await chatWithMessages(sourceContact, ['s3']);
    const sourceMail = await agent.tickets.create.mutate({ subject: 'Mail', source: 'email', client: { email: sourceContact.email } });
    const targetContact = uniqueContact(name);
    // A target known by e-mail alone: the merge gives it the source's phone.
    const target = await agent.tickets.create.mutate({ subject: 'Target', source: 'api', client: { email: targetContact.email, name } });
    const targetChat = await chatWithMessages({ ...targetContact, phone: uniqueContact().phone, e164: uniqueContact().e164 }, ['t1']);
    expect(targetChat.clientId).toBe(target.client.id);
    await db().handle.db.update(clients).set({ phone: null }).where(eq(clients.id, target.client.id));

    const messagesBefore = await db().handle.db
      .select({ id: chatMessages.id })
      .from(chatMessages)
      .where(inArray(chatMessages.sessionId, [source1.sessionId, source2.sessionId, targetChat.sessionId]));
    expect(messagesBefore).toHaveLength(4);

    const merged = await agent.clients.merge.mutate({ sourceId: source1.clientId, targetId: target.client.id });
    expect(merged).toMatchObject({ id: target.client.id, email: targetContact.email, phone: sourceContact.e164, name, totalTickets: 5 });

    expect(await db().handle.db.select().from(clients).where(eq(clients.id, source1.clientId))).toEqual([]);
    const movedTickets = await db().handle.db.select().from(tickets).where(eq(tickets.clientId, target.client.id));
    expect(movedTickets.map((t) => t.id).sort()).toEqual(
      [source1.ticketId, source2.ticketId, sourceMail.id, target.id, targetChat.ticketId].sort(),
    );
    const sessions = await db().handle.db.select().from(chatSessions).where(eq(chatSessions.clientId, target.client.id));
    expect(sessions.map((s) => s.id).sort()).toEqual([source1.sessionId, source2.sessionId, targetChat.sessionId].sort());
    const messagesAfter = await db().handle.db
      .select({ id: chatMessages.id })
      .from(chatMessages)
      .where(inArray(chatMessages.sessionId, sessions.map((s) => s.id)));
    expect(messagesAfter.map((m) => m.id).sort()).toEqual(messagesBefore.map((m) => m.id).sort());

    const audit = await db().handle.db.select().from(ticketEvents).where(eq(ticketEvents.type, 'clients.merged'));
    const mine = audit.filter((e) => (e.data as { targetId?: string }).targetId === target.client.id);
    expect(mine.map((e) => e.ticketId).sort()).toEqual([source1.ticketId, source2.ticketId, sourceMail.id].sort());
    expect(mine.every((e) => e.actorType === 'agent' && e.actorId === agentId)).toBe(true);
    expect(mine[0]!.data).toMatchObject({ sourceId: source1.clientId, targetId: target.client.id, ticketsMoved: 3, chatSessionsMoved: 2 });

    const history = await agent.clients.history.query({ id: target.client.id });
    expect(history.tickets).toHaveLength(5);
    expect(history.chatSessions).toHaveLength(3);
    // The source's e-mail went with it; its phone now finds the target.
    expect(await agent.clients.search.query({ q: sourceContact.email })).toEqual([]);
    expect((await agent.clients.search.query({ q: sourceContact.phone })).map((c) => c.id)).toEqual([target.client.id]);
  });

  it('clients.merge refuses merging into itself and unknown customers', async () => {
    const started = await chatWithMessages(uniqueContact(), []);
    await expectTrpcError(agent.clients.merge.mutate({ sourceId: started.clientId, targetId: started.clientId }), 'BAD_REQUEST');
    await expectTrpcError(
      agent.clients.merge.mutate({ sourceId: started.clientId, targetId: '00000000-0000-4000-8000-000000000000' }),
      'NOT_FOUND',
    );
    expect(await agent.clients.get.query({ id: started.clientId })).toMatchObject({ id: started.clientId });
  });
});
