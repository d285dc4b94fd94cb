import { and, asc, eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { clients, ticketEvents, tickets } from '../server/db/schema.js';
import { startChat } from '../server/services/chat/startChat.js';
import { postMessage } from '../server/services/chat/postMessage.js';
import { agentClient, expectTrpcError, newAdminToken, type AgentClient } from './support/agent.js';
import { uniqueContact } from './support/customer.js';
import { describeOnEachDriver } from './support/databases.js';
import { MANUAL_ROUTING, useTestNode } from './support/suite.js';

describeOnEachDriver('agent API: tickets', (db) => {
  const adminToken = newAdminToken();
  let admin: AgentClient;
  let agent: AgentClient;
  let agentId: string;
  const node = useTestNode(db, { ADMIN_TOKEN: adminToken }, { automations: MANUAL_ROUTING });
  beforeAll(async () => {
    admin = agentClient(node().url, adminToken);
    const created = await admin.agents.create.mutate({ name: 'Bia Agent', email: uniqueContact().email, role: 'agent' });
    agent = agentClient(node().url, created.token);
    agentId = created.agent.id;
  });

  /** A chat started through the service; the customer's id is what the service tells agents, not the visitor. */
  const chat = async (contact = uniqueContact()) => {
    const { started, chat: ref } = await startChat({ name: contact.name, email: contact.email, phone: contact.e164 }, node().ctx);
    return { started: { ...started, clientId: ref.clientId } };
  };

  const auditOf = (ticketId: string) =>
    db().handle.db.select().from(ticketEvents).where(eq(ticketEvents.ticketId, ticketId)).orderBy(asc(ticketEvents.id));

  it('tickets.create matches the customer like a chat does, counts the ticket, audits and answers the Ticket', async () => {
    const contact = uniqueContact('Rita Email');
    const { started } = await chat(contact);
    const ticket = await agent.tickets.create.mutate({
      subject: ' Boleto não chegou ',
      description: 'Cliente ligou',
      source: 'email',
      client: { email: ` ${contact.email.toUpperCase()} `, name: 'Other Name' },
    });
    expect(ticket).toMatchObject({
      subject: 'Boleto não chegou',
      description: 'Cliente ligou',
      status: 'OPEN',
      priority: 'NORMAL',
      source: 'email',
      category: null,
      escalated: false,
      assigneeId: null,
      firstResponseAt: null,
      client: { id: started.clientId, name: 'Rita Email', email: contact.email, phone: contact.e164 },
    });
    expect(ticket.number).toBeGreaterThan(started.ticketNumber);
    expect(new Date(ticket.createdAt).toISOString()).toBe(ticket.createdAt);
    const [client] = await db().handle.db.select().from(clients).where(eq(clients.id, started.clientId));
    expect(client!.totalTickets).toBe(2);
    const audit = await auditOf(ticket.id);
    expect(audit).toMatchObject([
      { type: 'ticket.created', actorType: 'agent', actorId: agentId, data: { source: 'email', returningClient: true, matchedBy: 'email' } },
    ]);
  });

  it('tickets.create by phone alone normalizes it to E.164 and creates the customer', async () => {
    const contact = uniqueContact('Phone Only');
    const ticket = await agent.tickets.create.mutate({ subject: 'Ligação', source: 'phone', client: { phone: contact.phone } });
    expect(ticket.client).toMatchObject({ email: null, phone: contact.e164, name: null });
    const again = await agent.tickets.create.mutate({ subject: 'De novo', source: 'web', client: { phone: contact.e164, name: 'Named Later' } });
    expect(again.client).toMatchObject({ id: ticket.client.id, name: 'Named Later' });
    const [client] = await db().handle.db.select().from(clients).where(eq(clients.id, ticket.client.id));
    expect(client!.totalTickets).toBe(2);
  });

  it('tickets.create refuses a customer without e-mail or phone, a bad phone and a chat source', async () => {
    const none = await expectTrpcError(agent.tickets.create.mutate({ subject: 'x', source: 'api', client: { name: 'Nobody' } }), 'BAD_REQUEST');
    expect(none.data?.fields).toHaveProperty(['client.email']);
    const phone = await expectTrpcError(agent.tickets.create.mutate({ subject: 'x', source: 'api', client: { phone: '123' } }), 'BAD_REQUEST');
    expect(phone.data?.fields).toEqual({ 'client.phone': 'Enter a valid phone number' });
    await expectTrpcError(
      agent.tickets.create.mutate({ subject: 'x', source: 'chat' as 'api', client: { email: uniqueContact().email } }),
      'BAD_REQUEST',
    );
  });

  it('tickets.get by id or number: the customer, chat sessions with message counts, and the audit trail', async () => {
    const contact = uniqueContact('Gil Get');
    const { started, chat: ref } = await startChat({ name: contact.name, email: contact.email, phone: contact.e164, message: 'Oi' }, node().ctx);
    await postMessage(ref, { type: 'client', name: contact.name }, { body: 'Alguém?', clientMsgId: 'c2' }, node().ctx);
    const byId = await agent.tickets.get.query({ id: started.ticketId });
    const byNumber = await agent.tickets.get.query({ number: started.ticketNumber });
    expect(byNumber).toEqual(byId);
    expect(byId).toMatchObject({
      id: started.ticketId,
      number: started.ticketNumber,
      source: 'chat',
      category: 'Chat Support',
      client: { id: ref.clientId, name: 'Gil Get', email: contact.email, phone: contact.e164, totalTickets: 1 },
      chatSessions: [
        {
          id: started.sessionId,
          ticketId: started.ticketId,
          status: 'active',
          endedAt: null,
          messageCount: 2,
          verified: false,
          matchedBy: 'new',
          typed: { name: 'Gil Get', email: contact.email, phone: contact.e164 },
        },
      ],
      suggestions: [],
      events: [{ type: 'ticket.created', actorType: 'client', actorId: ref.clientId }],
    });
    await expectTrpcError(agent.tickets.get.query({ number: 999_999_999 }), 'NOT_FOUND');
    await expectTrpcError(agent.tickets.get.query({ id: '00000000-0000-4000-8000-000000000000' }), 'NOT_FOUND');
    await expectTrpcError(agent.tickets.get.query({} as { number: number }), 'BAD_REQUEST');
  });

  it('tickets.update audits each changed field with the agent, sets resolved_at/closed_at, and skips no-ops', async () => {
    const { started } = await chat();
    const resolved = await agent.tickets.update.mutate({
      id: started.ticketId,
      status: 'RESOLVED',
      priority: 'HIGH',
      category: 'Financeiro',
      assigneeId: agentId,
    });
    expect(resolved).toMatchObject({ status: 'RESOLVED', priority: 'HIGH', category: 'Financeiro', assigneeId: agentId, closedAt: null });
    expect(resolved.resolvedAt).not.toBeNull();

    const updates = (await auditOf(started.ticketId)).filter((e) => e.type === 'ticket.updated');
    expect(updates.map((e) => e.data)).toEqual([
      { changes: { status: { from: 'OPEN', to: 'RESOLVED' } } },
      { changes: { priority: { from: 'NORMAL', to: 'HIGH' } } },
      { changes: { category: { from: 'Chat Support', to: 'Financeiro' } } },
    ]);
    expect(updates.every((e) => e.actorType === 'agent' && e.actorId === agentId)).toBe(true);
    // The assignee changes through the one path of assignments (tickets.assign's fact).
    const assigned = (await auditOf(started.ticketId)).filter((e) => e.type === 'ticket.assigned');
    expect(assigned).toMatchObject([{ actorType: 'agent', actorId: agentId, data: { assigneeId: agentId, previousAssigneeId: null } }]);

    // The same values again change nothing and write nothing.
    await agent.tickets.update.mutate({ id: started.ticketId, status: 'RESOLVED', priority: 'HIGH', assigneeId: agentId });
    expect((await auditOf(started.ticketId)).filter((e) => e.type !== 'ticket.created')).toHaveLength(4);

    const closed = await agent.tickets.update.mutate({ id: started.ticketId, status: 'CLOSED', assigneeId: null, category: null });
    expect(closed).toMatchObject({ status: 'CLOSED', assigneeId: null, category: null, resolvedAt: resolved.resolvedAt });
    const [row] = await db().handle.db.select().from(tickets).where(eq(tickets.id, started.ticketId));
    expect(row!.closedAt).toBeInstanceOf(Date);
    expect(row!.resolvedAt!.toISOString()).toBe(resolved.resolvedAt);
  });

  it('tickets.update refuses an unknown ticket, an unknown assignee and bad values', async () => {
    const { started } = await chat();
    await expectTrpcError(agent.tickets.update.mutate({ id: '00000000-0000-4000-8000-000000000000', status: 'OPEN' }), 'NOT_FOUND');
    const assignee = await expectTrpcError(
      agent.tickets.update.mutate({ id: started.ticketId, assigneeId: '00000000-0000-4000-8000-000000000000' }),
      'BAD_REQUEST',
    );
    expect(assignee.data?.fields).toEqual({ assigneeId: 'No such active agent' });
    const status = await expectTrpcError(agent.tickets.update.mutate({ id: started.ticketId, status: 'DONE' as 'OPEN' }), 'BAD_REQUEST');
    expect(status.data?.zodError?.fieldErrors).toHaveProperty('status');
    expect((await auditOf(started.ticketId)).map((e) => e.type)).toEqual(['ticket.created']);
  });

  it('tickets.list filters by source, status, customer, assignee and free text, newest first', async () => {
    const tag = Math.random().toString(36).slice(2, 10);
    const contact = uniqueContact(`Zuleica ${tag}`);
    const { started } = await chat(contact);
    const email = await agent.tickets.create.mutate({ subject: `Fatura ${tag} 100%`, source: 'email', client: { email: contact.email } });
    const web = await agent.tickets.create.mutate({ subject: `Form ${tag}`, source: 'web', client: { email: contact.email } });
    await agent.tickets.update.mutate({ id: web.id, status: 'PENDING', assigneeId: agentId });

    const numbers = async (input: Parameters<AgentClient['tickets']['list']['query']>[0]) =>
      (await agent.tickets.list.query(input)).items.map((t) => t.number);

    expect(await numbers({ clientId: started.clientId })).toEqual([web.number, email.number, started.ticketNumber]);
    expect(await numbers({ clientId: started.clientId, source: 'chat' })).toEqual([started.ticketNumber]);
    expect(await numbers({ clientId: started.clientId, status: 'PENDING' })).toEqual([web.number]);
    expect(await numbers({ assigneeId: agentId, clientId: started.clientId })).toEqual([web.number]);
    expect(await numbers({ q: tag })).toEqual([web.number, email.number, started.ticketNumber]);
    expect(await numbers({ q: contact.email.toUpperCase() })).toEqual([web.number, email.number, started.ticketNumber]);
    expect(await numbers({ q: `fatura ${tag}` })).toEqual([email.number]);
    expect(await numbers({ q: `${tag} 100%` })).toEqual([email.number]);
    // `%` is no wildcard: a substring holds it as typed, and word search reads past it.
    expect(await numbers({ q: `${tag.slice(0, 3)}%${tag.slice(4)}` })).toEqual([]);
    expect(await numbers({ q: `${tag}%` })).toEqual([web.number, email.number, started.ticketNumber]);
    expect(await numbers({ q: `#${email.number}` })).toEqual([email.number]);

    const chatPage = await agent.tickets.list.query({ source: 'chat', limit: 100 });
    expect(chatPage.items.every((t) => t.source === 'chat')).toBe(true);
    const summary = (await agent.tickets.list.query({ clientId: started.clientId, limit: 1 })).items[0]!;
    expect(Object.keys(summary).sort()).toEqual(
      ['id', 'number', 'subject', 'status', 'priority', 'source', 'category', 'escalated', 'client', 'assigneeId', 'createdAt', 'updatedAt', 'unreadCount'].sort(),
    );
    expect(summary.client).toEqual({ id: started.clientId, name: contact.name, email: contact.email, phone: contact.e164 });
    await expectTrpcError(agent.tickets.list.query({ cursor: 'garbage' }), 'BAD_REQUEST');
  });

  it('tickets.list pages without overlap or gaps while tickets are being created', async () => {
    const contact = uniqueContact('Page Walker');
    const create = (i: number) =>
      agent.tickets.create.mutate({ subject: `page ${i}`, source: 'api', client: { email: contact.email } });
    const first = await create(0);
    const clientId = first.client.id;
    for (let i = 1; i < 23; i++) await create(i);
    const before = (await db().handle.db.select({ number: tickets.number }).from(tickets).where(eq(tickets.clientId, clientId)))
      .map((row) => row.number)
      .sort((a, b) => b - a);
    expect(before).toHaveLength(23);

    const seen: number[] = [];
    const background: Promise<unknown>[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<AgentClient['tickets']['list']['query']>> = await agent.tickets.list.query({ clientId, limit: 4, cursor });
      seen.push(...page.items.map((t) => t.number));
      cursor = page.nextCursor;
      pages++;
      // Inserts land between pages, one awaited and others racing the next page.
      await create(100 + pages);
      background.push(create(200 + pages), create(300 + pages));
    } while (cursor);
    await Promise.all(background);

    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
    expect(seen.slice(0, before.length)).toEqual(before);
    expect(pages).toBe(6);

    const all: number[] = [];
    cursor = null;
    do {
      const page: Awaited<ReturnType<AgentClient['tickets']['list']['query']>> = await agent.tickets.list.query({ clientId, limit: 7, cursor });
      all.push(...page.items.map((t) => t.number));
      cursor = page.nextCursor;
    } while (cursor);
    const inDb = (await db().handle.db.select({ number: tickets.number }).from(tickets).where(eq(tickets.clientId, clientId)))
      .map((row) => row.number)
      .sort((a, b) => b - a);
    expect(all).toEqual(inDb);
    expect(all).toHaveLength(23 + 3 * pages);
  });

  it('chats.messages reads a transcript after a seq, with a limit', async () => {
    const contact = uniqueContact();
    const { started, chat: ref } = await startChat({ name: contact.name, email: contact.email, phone: contact.e164, message: 'm1' }, node().ctx);
    for (const body of ['m2', 'm3', 'm4']) await postMessage(ref, { type: 'client', name: contact.name }, { body, clientMsgId: body }, node().ctx);
    const all = await agent.chats.messages.query({ sessionId: started.sessionId });
    expect(all.messages.map((m) => [m.seq, m.body])).toEqual([[1, 'm1'], [2, 'm2'], [3, 'm3'], [4, 'm4']]);
    const some = await agent.chats.messages.query({ sessionId: started.sessionId, afterSeq: 1, limit: 2 });
    expect(some.messages.map((m) => m.seq)).toEqual([2, 3]);
    await expectTrpcError(agent.chats.messages.query({ sessionId: '00000000-0000-4000-8000-000000000000' }), 'NOT_FOUND');
    const rows = await db().handle.db.select().from(ticketEvents).where(and(eq(ticketEvents.ticketId, started.ticketId), eq(ticketEvents.type, 'message.created')));
    expect(rows).toHaveLength(0); // customer messages are not agent actions
  });
});
