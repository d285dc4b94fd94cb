import { and, eq } from 'drizzle-orm';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { parseAutomations } from '../server/automations/automationsConfig.js';
import { chatSessions, ticketEvents, tickets } from '../server/db/schema.js';
import { sweepIdleChats } from '../server/services/chat/sweepIdleChats.js';
import type { ChatStarted, Message } from '../shared/chat.js';
import type { DomainEvent, EventOf } from '../shared/events.js';
import { agentClient, followEvents, newAdminToken, type AgentClient, type EventFollower } from './support/agent.js';
import { newClientMsgId, requestOk, uniqueContact, waitForEvent, type CustomerSocket } from './support/customer.js';
import { describeOnEachDriver } from './support/databases.js';
import { useNodeWithCustomers } from './support/suite.js';

// Issue 12, PROTOCOL §8 "Chat end without an answer": a chat that ends by the visitor or by
// timeout before any agent replied keeps its ticket OPEN, is marked unanswered and announced as
// `chat.abandoned`; the close policy (RESOLVED here) applies only to answered chats.
const AUTOMATIONS = parseAutomations({
  closeTicketOnChatEnd: 'RESOLVED',
  assistant: { faq: [{ question: 'Qual o prazo de entrega?', answer: 'Entregamos em até 5 dias úteis.' }], minConfidence: 0.5 },
});

describeOnEachDriver('honest chat endings', (db) => {
  const adminToken = newAdminToken();
  const { node, customer } = useNodeWithCustomers(db, { ADMIN_TOKEN: adminToken }, { automations: AUTOMATIONS });
  let agent: AgentClient;
  let agentId: string;
  const followers: EventFollower[] = [];
  beforeAll(async () => {
    const created = await agentClient(node().url, adminToken).agents.create.mutate({ name: 'Ana Atendente', email: uniqueContact().email, role: 'agent' });
    agent = agentClient(node().url, created.token);
    agentId = created.agent.id;
  });
  afterEach(() => {
    for (const follower of followers.splice(0)) follower.stop();
  });

  /** A chat whose question the bot answers, with the agent's stream following its ticket. */
  async function botAnsweredChat(): Promise<{ socket: CustomerSocket; started: ChatStarted; stream: EventFollower }> {
    const socket = await customer();
    const contact = uniqueContact('Rita Visitante');
    const started = await requestOk<ChatStarted>(socket, 'chat:start', { name: contact.name, email: contact.email, phone: contact.phone });
    const stream = followEvents(agent, { ticketId: started.ticketId });
    followers.push(stream);
    await stream.started;
    const bot = waitForEvent<Message>(socket, 'message:new', (m) => m.senderType === 'bot');
    await requestOk(socket, 'message:send', { body: 'qual o prazo de entrega?', clientMsgId: newClientMsgId() });
    await bot;
    return { socket, started, stream };
  }

  const ticketOf = async (id: string) => (await db().handle.db.select().from(tickets).where(eq(tickets.id, id)))[0]!;
  const sessionOf = async (id: string) => (await db().handle.db.select().from(chatSessions).where(eq(chatSessions.id, id)))[0]!;
  const auditOf = (ticketId: string, type: string) =>
    db().handle.db.select().from(ticketEvents).where(and(eq(ticketEvents.ticketId, ticketId), eq(ticketEvents.type, type)));
  const statusChanges = (events: DomainEvent[]) => events.filter((e) => e.type === 'ticket.updated' && e.changes.status);

  it('a chat the visitor closes with only a bot answer: ticket OPEN, session unanswered, chat.abandoned, no RESOLVED', async () => {
    const { socket, started, stream } = await botAnsweredChat();
    await requestOk(socket, 'chat:close', {});

    await stream.next((e) => e.type === 'chat.closed');
    const abandoned = (await stream.next((e) => e.type === 'chat.abandoned')) as EventOf<'chat.abandoned'>;
    const session = await sessionOf(started.sessionId);
    expect(abandoned).toEqual({
      eventId: expect.stringMatching(/^\d+$/),
      type: 'chat.abandoned',
      ticketId: started.ticketId,
      ticketNumber: started.ticketNumber,
      at: session.endedAt!.toISOString(),
      sessionId: started.sessionId,
      reason: 'client',
      clientId: session.clientId,
      startedAt: session.startedAt.toISOString(),
      escalated: false,
    });
    // chat.closed, then chat.abandoned in its place: no status change was announced.
    expect(statusChanges(stream.events)).toEqual([]);
    expect(session).toMatchObject({ status: 'closed', closeReason: 'client', unanswered: true });
    expect(await ticketOf(started.ticketId)).toMatchObject({ status: 'OPEN', resolvedAt: null });
    const [audit] = await auditOf(started.ticketId, 'chat.abandoned');
    expect(audit).toMatchObject({ actorType: 'client', data: { sessionId: started.sessionId, reason: 'client', escalated: false } });
    expect(await auditOf(started.ticketId, 'ticket.updated')).toEqual([]);
    // Agents see it on the ticket too.
    const ticket = await agent.tickets.get.query({ id: started.ticketId });
    expect(ticket.chatSessions).toMatchObject([{ id: started.sessionId, unanswered: true }]);
  });

  it('a chat with only a bot answer that times out: the same, with reason timeout', async () => {
    const { socket, started, stream } = await botAnsweredChat();
    const closedOnSocket = waitForEvent(socket, 'chat:closed');
    // Aged rather than waited for: the sweep compares last activity with the database clock.
    await db().handle.db.update(chatSessions).set({ lastActivityAt: new Date(Date.now() - 60_000) }).where(eq(chatSessions.id, started.sessionId));
    await sweepIdleChats(30_000, node().ctx);

    expect(await closedOnSocket).toEqual({ reason: 'timeout' });
    const abandoned = await stream.next((e) => e.type === 'chat.abandoned');
    expect(abandoned).toMatchObject({ sessionId: started.sessionId, reason: 'timeout', escalated: false });
    expect(statusChanges(stream.events)).toEqual([]);
    expect(await sessionOf(started.sessionId)).toMatchObject({ closeReason: 'timeout', unanswered: true });
    expect((await ticketOf(started.ticketId)).status).toBe('OPEN');
    const [audit] = await auditOf(started.ticketId, 'chat.abandoned');
    expect(audit).toMatchObject({ actorType: 'system', data: { reason: 'timeout' } });
  });

  it('a chat an agent answered resolves its ticket on close, as before, and is not abandoned', async () => {
    const { socket, started, stream } = await botAnsweredChat();
    await agent.tickets.reply.mutate({ id: started.ticketId, body: 'Posso ajudar em algo mais?', clientMsgId: newClientMsgId() });
    await requestOk(socket, 'chat:close', {});

    const update = await stream.next((e) => e.type === 'ticket.updated');
    expect(update).toMatchObject({ changes: { status: { from: 'OPEN', to: 'RESOLVED' } } });
    expect(stream.events.some((e) => e.type === 'chat.abandoned')).toBe(false);
    expect(await sessionOf(started.sessionId)).toMatchObject({ closeReason: 'client', unanswered: false });
    expect((await ticketOf(started.ticketId)).status).toBe('RESOLVED');
    expect(await auditOf(started.ticketId, 'chat.abandoned')).toEqual([]);
  });

  it('a chat an agent answered and the visitor then left to time out: answered, resolved, not abandoned', async () => {
    const { socket, started, stream } = await botAnsweredChat();
    await agent.tickets.reply.mutate({ id: started.ticketId, body: 'Seu pedido sai amanhã.', clientMsgId: newClientMsgId() });
    const closedOnSocket = waitForEvent(socket, 'chat:closed');
    await db().handle.db.update(chatSessions).set({ lastActivityAt: new Date(Date.now() - 60_000) }).where(eq(chatSessions.id, started.sessionId));
    await sweepIdleChats(30_000, node().ctx);

    expect(await closedOnSocket).toEqual({ reason: 'timeout' });
    const update = await stream.next((e) => e.type === 'ticket.updated');
    expect(update).toMatchObject({ changes: { status: { from: 'OPEN', to: 'RESOLVED' } } });
    expect(stream.events.some((e) => e.type === 'chat.abandoned')).toBe(false);
    expect(await sessionOf(started.sessionId)).toMatchObject({ status: 'closed', closeReason: 'timeout', unanswered: false });
    expect(await auditOf(started.ticketId, 'chat.abandoned')).toEqual([]);
  });

  it('an agent ending an unanswered chat is not a walk-away: the policy applies, and the resolution is that agent’s', async () => {
    const from = new Date(Date.now() - 1000).toISOString();
    const { started, stream } = await botAnsweredChat();
    await agent.chats.close.mutate({ sessionId: started.sessionId, reason: 'spam' });

    await stream.next((e) => e.type === 'ticket.updated');
    expect(stream.events.some((e) => e.type === 'chat.abandoned')).toBe(false);
    expect(await sessionOf(started.sessionId)).toMatchObject({ closeReason: 'agent', unanswered: false });
    expect((await ticketOf(started.ticketId)).status).toBe('RESOLVED');
    // metrics.summary byAgent: the policy's resolution after this agent's chats.close counts for it.
    const summary = await agent.metrics.summary.query({ from });
    expect(summary.byAgent).toContainEqual({ agentId, chats: 0, firstResponseMsP50: null, resolved: 1 });
  });
});
