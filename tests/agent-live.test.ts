import { and, eq } from 'drizzle-orm';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { ticketEvents, tickets } from '../server/db/schema.js';
import type { ChatStarted, Message } from '../shared/chat.js';
import type { DomainEvent } from '../shared/tickets.js';
import { agentClient, expectTrpcError, followEvents, newAdminToken, type AgentClient, type EventFollower } from './support/agent.js';
import { connectCustomer, newClientMsgId, requestOk, uniqueContact, waitForEvent, type CustomerSocket } from './support/customer.js';
import { describeOnEachDriver } from './support/databases.js';
import { startTestNode } from './support/node.js';
import { useTestNode } from './support/suite.js';

describeOnEachDriver('agent API: live replies, updates and events', (db) => {
  const adminToken = newAdminToken();
  let agent: AgentClient;
  let agentId: string;
  const sockets: CustomerSocket[] = [];
  const followers: EventFollower[] = [];
  const node = useTestNode(db, { ADMIN_TOKEN: adminToken });
  beforeAll(async () => {
    const created = await agentClient(node().url, adminToken).agents.create.mutate({
      name: 'Carlos Atendente',
      email: uniqueContact().email,
      role: 'agent',
    });
    agent = agentClient(node().url, created.token);
    agentId = created.agent.id;
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.disconnect();
    for (const follower of followers.splice(0)) follower.stop();
  });

  async function customerChat() {
    const socket = await connectCustomer(node().url);
    sockets.push(socket);
    const contact = uniqueContact('Dora Cliente');
    const started = await requestOk<ChatStarted>(socket, 'chat:start', {
      name: contact.name,
      email: contact.email,
      phone: contact.phone,
    });
    return { socket, started, contact };
  }

  async function follow(input?: { ticketId?: string }) {
    const follower = followEvents(agent, input);
    followers.push(follower);
    await follower.started;
    return follower;
  }

  it('a reply reaches the customer socket live, is audited, and sets first_response_at once', async () => {
    const { socket, started } = await customerChat();
    const clientMsgId = newClientMsgId();
    const delivered = waitForEvent<Message>(socket, 'message:new', (m) => m.clientMsgId === clientMsgId);
    const message = await agent.tickets.reply.mutate({ id: started.ticketId, body: ' Olá, posso ajudar? ', clientMsgId });
    expect(message).toMatchObject({
      sessionId: started.sessionId,
      seq: 1,
      senderType: 'agent',
      senderName: 'Carlos Atendente',
      body: 'Olá, posso ajudar?',
      clientMsgId,
    });
    expect(await delivered).toEqual(message);

    const [afterFirst] = await db().handle.db.select().from(tickets).where(eq(tickets.id, started.ticketId));
    expect(afterFirst!.firstResponseAt).toBeInstanceOf(Date);
    const audit = await db().handle.db
      .select()
      .from(ticketEvents)
      .where(and(eq(ticketEvents.ticketId, started.ticketId), eq(ticketEvents.type, 'message.created')));
    expect(audit).toMatchObject([{ actorType: 'agent', actorId: agentId, data: { sessionId: started.sessionId, messageId: message.id, seq: 1 } }]);

    // The same clientMsgId again is the same message; a second reply leaves first_response_at alone.
    expect(await agent.tickets.reply.mutate({ id: started.ticketId, body: 'Olá, posso ajudar?', clientMsgId })).toEqual(message);
    await agent.tickets.reply.mutate({ id: started.ticketId, body: 'Segunda', clientMsgId: newClientMsgId() });
    const [afterSecond] = await db().handle.db.select().from(tickets).where(eq(tickets.id, started.ticketId));
    expect(afterSecond!.firstResponseAt!.toISOString()).toBe(afterFirst!.firstResponseAt!.toISOString());
    expect((await agent.chats.messages.query({ sessionId: started.sessionId })).messages.map((m) => m.seq)).toEqual([1, 2]);
  });

  it('a reply to a closed chat is a late reply in the same thread (PROTOCOL §9); to a ticket without chat NOT_FOUND; bad input BAD_REQUEST', async () => {
    const { socket, started } = await customerChat();
    await requestOk(socket, 'chat:close', {});
    const late = await agent.tickets.reply.mutate({ id: started.ticketId, body: 'late', clientMsgId: 'x' });
    expect(late).toMatchObject({ sessionId: started.sessionId, seq: 1, senderType: 'agent', body: 'late' });
    expect(await agent.tickets.reply.mutate({ id: started.ticketId, body: 'late', clientMsgId: 'x' })).toEqual(late);
    const emailTicket = await agent.tickets.create.mutate({ subject: 'e-mail', source: 'email', client: { email: uniqueContact().email } });
    const noChat = await expectTrpcError(agent.tickets.reply.mutate({ id: emailTicket.id, body: 'hi', clientMsgId: 'x' }), 'NOT_FOUND');
    expect(noChat.message).toMatch(/has no chat/);
    const invalid = await expectTrpcError(agent.tickets.reply.mutate({ id: started.ticketId, body: '   ', clientMsgId: '' }), 'BAD_REQUEST');
    expect(Object.keys(invalid.data?.fields ?? {}).sort()).toEqual(['body', 'clientMsgId']);
  });

  it('an update reaches both the subscription and the customer socket', async () => {
    const { socket, started } = await customerChat();
    const events = await follow({ ticketId: started.ticketId });
    const told = waitForEvent(socket, 'ticket:updated');
    const announced = events.next((e) => e.type === 'ticket.updated');
    await agent.tickets.update.mutate({ id: started.ticketId, status: 'PENDING', priority: 'URGENT' });
    expect(await told).toEqual({ ticketNumber: started.ticketNumber, status: 'PENDING' });
    expect(await announced).toMatchObject({
      type: 'ticket.updated',
      ticketId: started.ticketId,
      ticketNumber: started.ticketNumber,
      actorId: agentId,
      changes: { status: { from: 'OPEN', to: 'PENDING' }, priority: { from: 'NORMAL', to: 'URGENT' } },
    });
    expect(new Date((await announced).at).toISOString()).toBe((await announced).at);
  });

  it('onEvent streams every kind of event, and only the given ticket when filtered', async () => {
    const all = await follow();
    const { socket, started } = await customerChat();
    const other = await customerChat();
    const mine = await follow({ ticketId: started.ticketId });

    await requestOk(other.socket, 'message:send', { body: 'noutro ticket', clientMsgId: 'o1' });
    socket.emit('typing', { isTyping: true });
    await requestOk(socket, 'message:send', { body: 'oi', clientMsgId: 'c1' });
    const typed = waitForEvent(socket, 'typing');
    await agent.tickets.typing.mutate({ id: started.ticketId, isTyping: true });
    expect(await typed).toEqual({ from: 'agent', isTyping: true });
    // Answered by an agent, so its end resolves the ticket (an unanswered one would be abandoned).
    await agent.tickets.reply.mutate({ id: started.ticketId, body: 'Resolvido!', clientMsgId: newClientMsgId() });
    await requestOk(socket, 'chat:close', {});

    await mine.next((e) => e.type === 'chat.closed');
    const closedUpdate = await mine.next((e) => e.type === 'ticket.updated');
    expect(closedUpdate).toMatchObject({ changes: { status: { from: 'OPEN', to: 'RESOLVED' } } });
    expect(mine.events.every((e) => e.ticketId === started.ticketId)).toBe(true);
    const kinds = new Set(mine.events.map((e) => `${e.type}${e.type === 'chat.typing' ? `:${String(e.from)}` : ''}`));
    expect([...kinds].sort()).toEqual(['chat.closed', 'chat.typing:agent', 'chat.typing:client', 'message.created', 'ticket.updated']);

    await all.next((e) => e.type === 'ticket.created' && e.ticketId === started.ticketId);
    await all.next((e) => e.type === 'message.created' && e.ticketId === other.started.ticketId);
    await all.next((e) => e.type === 'chat.closed' && e.ticketId === started.ticketId);
  });

  it('tickets.create is announced as ticket.created', async () => {
    const all = await follow();
    const ticket = await agent.tickets.create.mutate({ subject: 'Web form', source: 'web', client: { email: uniqueContact().email } });
    expect(await all.next((e) => e.ticketId === ticket.id)).toMatchObject({
      type: 'ticket.created',
      ticketNumber: ticket.number,
      source: 'web',
      clientId: ticket.client.id,
    });
  });

  it('chats.close ends the chat as the agent: the customer is told, the ticket follows the policy', async () => {
    const { socket, started } = await customerChat();
    const told = waitForEvent(socket, 'chat:closed');
    expect(await agent.chats.close.mutate({ sessionId: started.sessionId, reason: 'resolvido' })).toEqual({ status: 'closed', changed: true });
    expect(await told).toEqual({ reason: 'agent' });
    expect(await agent.chats.close.mutate({ sessionId: started.sessionId })).toEqual({ status: 'closed', changed: false });
    const detail = await agent.tickets.get.query({ id: started.ticketId });
    expect(detail.chatSessions[0]).toMatchObject({ status: 'closed' });
    expect(detail.events.find((e) => e.type === 'chat.closed')).toMatchObject({
      actorType: 'agent',
      actorId: agentId,
      data: { reason: 'agent', note: 'resolvido' },
    });
    await expectTrpcError(agent.chats.close.mutate({ sessionId: '00000000-0000-4000-8000-000000000000' }), 'NOT_FOUND');
  });

  it('typing needs a chat that is open', async () => {
    const { socket, started } = await customerChat();
    await requestOk(socket, 'chat:close', {});
    await expectTrpcError(agent.tickets.typing.mutate({ id: started.ticketId, isTyping: true }), 'CONFLICT');
  });

  it('plain SSE with ?token= streams events; without a token it is refused', async () => {
    const controller = new AbortController();
    const input = encodeURIComponent(JSON.stringify({}));
    const response = await fetch(`${node().url}/trpc/tickets.onEvent?input=${input}&token=${adminToken}`, {
      headers: { Accept: 'text/event-stream' },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    const readUntil = async (text: string) => {
      while (!buffer.includes(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${text}`);
        buffer += value;
      }
    };
    await readUntil('event: connected');
    const ticket = await agent.tickets.create.mutate({ subject: 'SSE', source: 'api', client: { email: uniqueContact().email } });
    await readUntil(ticket.id);
    const line = buffer.split('\n').find((l) => l.startsWith('data:') && l.includes(ticket.id))!;
    expect(JSON.parse(line.slice(5))).toMatchObject({ type: 'ticket.created', ticketId: ticket.id } satisfies Partial<DomainEvent>);
    controller.abort();

    // A stream's status is sent before the procedure runs: the refusal comes as its error event.
    const refused = await fetch(`${node().url}/trpc/tickets.onEvent?input=${input}&token=wrong`, {
      headers: { Accept: 'text/event-stream' },
    });
    const refusal = await refused.text();
    expect(refusal).toContain('event: serialized-error');
    expect(refusal).toContain('"code":"UNAUTHORIZED"');
    const typedRefusal = await new Promise<unknown>((resolve) => {
      agentClient(node().url, 'wrong').tickets.onEvent.subscribe(undefined, { onError: resolve, onData: () => {} });
    });
    expect((typedRefusal as { data?: { code?: string } }).data?.code).toBe('UNAUTHORIZED');
    // A query never takes its token from the URL.
    const query = await fetch(`${node().url}/trpc/agents.me?token=${adminToken}`);
    expect(query.status).toBe(401);
  });

  it('a node with open subscriptions stops promptly; the stream is cut so its client can reconnect elsewhere', async () => {
    const other = await startTestNode(db().handle, { ADMIN_TOKEN: adminToken });
    const follower = followEvents(agentClient(other.url, adminToken));
    followers.push(follower);
    await follower.started;
    const startedAt = Date.now();
    await other.stop();
    expect(Date.now() - startedAt).toBeLessThan(3000);
  });
});
