import { and, asc, eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { ticketEvents, ticketReads, tickets } from '../server/db/schema.js';
import { postMessage } from '../server/services/chat/postMessage.js';
import { startChat } from '../server/services/chat/startChat.js';
import type { ChatStarted } from '../shared/chat.js';
import type { DomainEvent, EventOf } from '../shared/events.js';
import { agentClient, expectTrpcError, followEvents, newAdminToken, type AgentClient } from './support/agent.js';
import { newClientMsgId, requestOk, uniqueContact, waitForEvent } from './support/customer.js';
import { describeOnEachDriver } from './support/databases.js';
import { MANUAL_ROUTING, useNodeWithCustomers } from './support/suite.js';

/** PROTOCOL §8: manual assignment (tickets.assign, agent:joined) and each agent's unread counts. */
describeOnEachDriver('agent API: assignment and unread counts', (db) => {
  const adminToken = newAdminToken();
  const { node, customer } = useNodeWithCustomers(db, { ADMIN_TOKEN: adminToken }, { automations: MANUAL_ROUTING });
  let admin: AgentClient;
  let adminId: string;
  const agents: Array<{ id: string; name: string; api: AgentClient }> = [];
  beforeAll(async () => {
    admin = agentClient(node().url, adminToken);
    adminId = (await admin.agents.me.query()).id;
    for (const name of ['Ana Assign', 'Beto Assign']) {
      const created = await admin.agents.create.mutate({ name, email: uniqueContact().email, role: 'agent' });
      agents.push({ id: created.agent.id, name, api: agentClient(node().url, created.token) });
    }
  });

  const assignedAudit = (ticketId: string) =>
    db()
      .handle.db.select()
      .from(ticketEvents)
      .where(and(eq(ticketEvents.ticketId, ticketId), eq(ticketEvents.type, 'ticket.assigned')))
      .orderBy(asc(ticketEvents.id));

  const isAssigned = (ticketId: string, assigneeId: string | null) => (event: DomainEvent) =>
    event.type === 'ticket.assigned' && event.ticketId === ticketId && event.assigneeId === assigneeId;

  /** A chat through the service, with the visitor's first message. */
  const chat = async (contact = uniqueContact()) =>
    startChat({ name: contact.name, email: contact.email, phone: contact.e164, message: 'Oi' }, node().ctx);

  it('assign, reassign and unassign: one audit row and one ticket.assigned with previousAssigneeId each, on the assignee’s stream; the same assignee again writes nothing', async () => {
    const [ana, beto] = [agents[0]!, agents[1]!];
    const { started } = await chat();
    const anaStream = followEvents(ana.api, { ticketId: started.ticketId });
    const betoStream = followEvents(beto.api, { ticketId: started.ticketId });
    await Promise.all([anaStream.started, betoStream.started]);
    try {
      const assigned = await admin.tickets.assign.mutate({ id: started.ticketId, assigneeId: ana.id });
      expect(assigned).toMatchObject({ id: started.ticketId, assigneeId: ana.id });
      expect(await anaStream.next(isAssigned(started.ticketId, ana.id))).toMatchObject({
        ticketNumber: started.ticketNumber,
        assigneeId: ana.id,
        previousAssigneeId: null,
        actorId: adminId,
      });

      await admin.tickets.assign.mutate({ id: started.ticketId, assigneeId: beto.id });
      await admin.tickets.assign.mutate({ id: started.ticketId, assigneeId: beto.id }); // no change
      expect(await betoStream.next(isAssigned(started.ticketId, beto.id))).toMatchObject({ previousAssigneeId: ana.id });

      const cleared = await beto.api.tickets.assign.mutate({ id: started.ticketId, assigneeId: null });
      expect(cleared.assigneeId).toBeNull();
      await betoStream.next(isAssigned(started.ticketId, null));
      // The stream is in publish order: by the unassignment, every assignment before it arrived.
      const seen = betoStream.events.filter((event): event is EventOf<'ticket.assigned'> => event.type === 'ticket.assigned');
      expect(seen.map((event) => [event.previousAssigneeId, event.assigneeId])).toEqual([
        [null, ana.id],
        [ana.id, beto.id],
        [beto.id, null],
      ]);
      expect((await assignedAudit(started.ticketId)).map((row) => ({ actorId: row.actorId, data: row.data }))).toEqual([
        { actorId: adminId, data: { assigneeId: ana.id, previousAssigneeId: null } },
        { actorId: adminId, data: { assigneeId: beto.id, previousAssigneeId: ana.id } },
        { actorId: beto.id, data: { assigneeId: null, previousAssigneeId: beto.id } },
      ]);
    } finally {
      anaStream.stop();
      betoStream.stop();
    }
  });

  it('the customer socket of the open chat gets agent:joined with the agent’s name, by tickets.assign and by tickets.update', async () => {
    const [ana, beto] = [agents[0]!, agents[1]!];
    const socket = await customer();
    const contact = uniqueContact('Jo Joined');
    const started = await requestOk<ChatStarted>(socket, 'chat:start', { name: contact.name, email: contact.email, phone: contact.phone });

    const byAssign = waitForEvent<{ agentName: string }>(socket, 'agent:joined');
    await ana.api.tickets.assign.mutate({ id: started.ticketId, assigneeId: ana.id });
    expect(await byAssign).toEqual({ agentName: ana.name });

    const byUpdate = waitForEvent<{ agentName: string }>(socket, 'agent:joined');
    const updated = await ana.api.tickets.update.mutate({ id: started.ticketId, assigneeId: beto.id, priority: 'HIGH' });
    expect(updated).toMatchObject({ assigneeId: beto.id, priority: 'HIGH' });
    expect(await byUpdate).toEqual({ agentName: beto.name });
    // tickets.update's assignee is the same fact as tickets.assign's, not a ticket.updated change.
    expect((await assignedAudit(started.ticketId)).map((row) => row.data)).toEqual([
      { assigneeId: ana.id, previousAssigneeId: null },
      { assigneeId: beto.id, previousAssigneeId: ana.id },
    ]);
    const updates = await db()
      .handle.db.select()
      .from(ticketEvents)
      .where(and(eq(ticketEvents.ticketId, started.ticketId), eq(ticketEvents.type, 'ticket.updated')));
    expect(updates.map((row) => row.data)).toEqual([{ changes: { priority: { from: 'NORMAL', to: 'HIGH' } } }]);
  });

  it('refuses an unknown or revoked assignee and an unknown ticket, and writes nothing', async () => {
    const { started } = await chat();
    const unknown = await expectTrpcError(
      admin.tickets.assign.mutate({ id: started.ticketId, assigneeId: '00000000-0000-4000-8000-000000000000' }),
      'BAD_REQUEST',
    );
    expect(unknown.data?.fields).toEqual({ assigneeId: 'No such active agent' });
    const gone = await admin.agents.create.mutate({ name: 'Gone Agent', email: uniqueContact().email, role: 'agent' });
    await admin.agents.revoke.mutate({ id: gone.agent.id });
    const revoked = await expectTrpcError(admin.tickets.assign.mutate({ id: started.ticketId, assigneeId: gone.agent.id }), 'BAD_REQUEST');
    expect(revoked.data?.fields).toEqual({ assigneeId: 'No such active agent' });
    await expectTrpcError(admin.tickets.update.mutate({ id: started.ticketId, assigneeId: gone.agent.id }), 'BAD_REQUEST');
    await expectTrpcError(
      admin.tickets.assign.mutate({ id: '00000000-0000-4000-8000-000000000000', assigneeId: agents[0]!.id }),
      'NOT_FOUND',
    );
    await expectTrpcError(admin.tickets.assign.mutate({ id: started.ticketId } as { id: string; assigneeId: null }), 'BAD_REQUEST');
    expect(await assignedAudit(started.ticketId)).toEqual([]);
    const [row] = await db().handle.db.select().from(tickets).where(eq(tickets.id, started.ticketId));
    expect(row!.assigneeId).toBeNull();
  });

  it('tickets.list filters assigneeId me, none and an agent id', async () => {
    const [ana, beto] = [agents[0]!, agents[1]!];
    const contact = uniqueContact('Lia List');
    const create = (subject: string) => admin.tickets.create.mutate({ subject, source: 'api', client: { email: contact.email } });
    const mine = await create('mine');
    const betos = await create('betos');
    const nobodys = await create('nobodys');
    await ana.api.tickets.assign.mutate({ id: mine.id, assigneeId: ana.id });
    await ana.api.tickets.assign.mutate({ id: betos.id, assigneeId: beto.id });
    const clientId = mine.client.id;
    const numbers = async (api: AgentClient, assigneeId: string) =>
      (await api.tickets.list.query({ clientId, assigneeId })).items.map((t) => t.number);

    expect(await numbers(ana.api, 'me')).toEqual([mine.number]);
    expect(await numbers(beto.api, 'me')).toEqual([betos.number]);
    expect(await numbers(admin, 'me')).toEqual([]);
    expect(await numbers(ana.api, 'none')).toEqual([nobodys.number]);
    expect(await numbers(admin, beto.id)).toEqual([betos.number]);
    await expectTrpcError(ana.api.tickets.list.query({ assigneeId: 'someone' }), 'BAD_REQUEST');
  });

  it('unreadCount counts customer messages after each agent’s own mark; markRead lowers it, never moves back; unread: true filters', async () => {
    const [ana, beto] = [agents[0]!, agents[1]!];
    const contact = uniqueContact('Uri Unread');
    const { started, chat: ref } = await chat(contact); // seq 1: the visitor's first message
    const customerSays = (body: string) => postMessage(ref, { type: 'client', name: contact.name }, { body, clientMsgId: newClientMsgId() }, node().ctx);
    const unread = async (api: AgentClient, onlyUnread?: true) =>
      (await api.tickets.list.query({ clientId: ref.clientId, unread: onlyUnread })).items.map((t) => [t.number, t.unreadCount]);

    expect(await unread(ana.api)).toEqual([[started.ticketNumber, 1]]);
    await customerSays('Alguém aí?'); // seq 2
    await ana.api.tickets.reply.mutate({ id: started.ticketId, body: 'Olá!', clientMsgId: newClientMsgId() }); // seq 3
    await postMessage(ref, { type: 'bot', name: 'Bot' }, { body: 'Um atendente já vem.' }, node().ctx); // seq 4
    await postMessage(ref, { type: 'system' }, { body: 'Ana entrou.' }, node().ctx); // seq 5
    // Only the customer's messages count, for every agent alike.
    expect(await unread(ana.api)).toEqual([[started.ticketNumber, 2]]);
    expect(await unread(beto.api)).toEqual([[started.ticketNumber, 2]]);

    expect(await ana.api.tickets.markRead.mutate({ id: started.ticketId, seq: 1 })).toEqual({ unreadCount: 1 });
    expect(await ana.api.tickets.markRead.mutate({ id: started.ticketId, seq: 5 })).toEqual({ unreadCount: 0 });
    expect(await unread(ana.api)).toEqual([[started.ticketNumber, 0]]);
    expect(await unread(ana.api, true)).toEqual([]);
    // Beto's mark is his own.
    expect(await unread(beto.api)).toEqual([[started.ticketNumber, 2]]);
    expect(await unread(beto.api, true)).toEqual([[started.ticketNumber, 2]]);

    await customerSays('Obrigado'); // seq 6
    expect(await unread(ana.api, true)).toEqual([[started.ticketNumber, 1]]);
    expect(await unread(beto.api)).toEqual([[started.ticketNumber, 3]]);
    // An older seq leaves the mark where it is.
    expect(await ana.api.tickets.markRead.mutate({ id: started.ticketId, seq: 2 })).toEqual({ unreadCount: 1 });
    expect(await ana.api.tickets.markRead.mutate({ id: started.ticketId, seq: 0 })).toEqual({ unreadCount: 1 });
    expect(await beto.api.tickets.markRead.mutate({ id: started.ticketId, seq: 2 })).toEqual({ unreadCount: 1 });
    expect(await unread(ana.api)).toEqual([[started.ticketNumber, 1]]);
    // A seq past the end reads everything; the session may be named.
    expect(await ana.api.tickets.markRead.mutate({ id: started.ticketId, seq: 999, sessionId: started.sessionId })).toEqual({ unreadCount: 0 });

    const marks = await db().handle.db.select().from(ticketReads).where(eq(ticketReads.ticketId, started.ticketId));
    expect(Object.fromEntries(marks.map((mark) => [mark.agentId, mark.customerMessagesRead]))).toEqual({ [ana.id]: 3, [beto.id]: 2 });
  });

  it('tickets.markRead refuses an unknown ticket, a ticket without a chat and another ticket’s session', async () => {
    const { started } = await chat();
    const other = await chat();
    const api = agents[0]!.api;
    await expectTrpcError(api.tickets.markRead.mutate({ id: '00000000-0000-4000-8000-000000000000', seq: 1 }), 'NOT_FOUND');
    const email = await admin.tickets.create.mutate({ subject: 'sem chat', source: 'email', client: { email: uniqueContact().email } });
    await expectTrpcError(api.tickets.markRead.mutate({ id: email.id, seq: 1 }), 'NOT_FOUND');
    await expectTrpcError(api.tickets.markRead.mutate({ id: started.ticketId, seq: 1, sessionId: other.started.sessionId }), 'NOT_FOUND');
    await expectTrpcError(api.tickets.markRead.mutate({ id: started.ticketId, seq: -1 }), 'BAD_REQUEST');
    const [row] = await db().handle.db.select().from(ticketReads).where(eq(ticketReads.ticketId, started.ticketId));
    expect(row).toBeUndefined();
  });
});
