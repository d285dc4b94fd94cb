import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { cannedResponses, ticketEvents, ticketNotes } from '../server/db/schema.js';
import { startChat } from '../server/services/chat/startChat.js';
import type { ChatResumed, ChatStarted, ChatTranscript, Message } from '../shared/chat.js';
import { agentClient, expectTrpcError, followEvents, newAdminToken, type AgentClient, type EventFollower } from './support/agent.js';
import { newClientMsgId, requestOk, uniqueContact, waitForEvent } from './support/customer.js';
import { describeOnEachDriver } from './support/databases.js';
import { useNodeWithCustomers } from './support/suite.js';

/** PROTOCOL §8: agents' private notes, and the team's canned responses. */
describeOnEachDriver('agent API: notes and canned responses', (db) => {
  const adminToken = newAdminToken();
  const suite = useNodeWithCustomers(db, { ADMIN_TOKEN: adminToken });
  let agent: AgentClient;
  let agentId: string;
  /** A second plain agent: canned responses are the team's, not their author's. */
  let colleague: AgentClient;
  const followers: EventFollower[] = [];
  beforeAll(async () => {
    const admin = agentClient(suite.node().url, adminToken);
    const created = await admin.agents.create.mutate({ name: 'Nina Notas', email: uniqueContact().email, role: 'agent' });
    agent = agentClient(suite.node().url, created.token);
    agentId = created.agent.id;
    const other = await admin.agents.create.mutate({ name: 'Otto Colega', email: uniqueContact().email, role: 'agent' });
    colleague = agentClient(suite.node().url, other.token);
  });
  afterEach(() => {
    for (const follower of followers.splice(0)) follower.stop();
  });

  async function follow(ticketId: string) {
    const follower = followEvents(agent, { ticketId });
    followers.push(follower);
    await follower.started;
    return follower;
  }

  async function customerChat(contact = uniqueContact('Dora Cliente')) {
    const socket = await suite.customer();
    const started = await requestOk<ChatStarted>(socket, 'chat:start', { name: contact.name, email: contact.email, phone: contact.phone });
    return { socket, started, contact };
  }

  /** A shortcut no other test (nor the other driver's run) uses. */
  const shortcut = (stem: string) => `${stem}-${randomBytes(4).toString('hex')}`;

  it('a note is in tickets.get, streamed to agents as note.created, audited, and stored as written', async () => {
    const { started } = await customerChat();
    const events = await follow(started.ticketId);
    const announced = events.next((event) => event.type === 'note.created');
    const note = await agent.tickets.note.mutate({ id: started.ticketId, body: '  Cliente VIP:\nconfirmar endereço  ' });
    expect(note).toMatchObject({ ticketId: started.ticketId, agentId, body: 'Cliente VIP:\nconfirmar endereço' });
    expect(new Date(note.createdAt).toISOString()).toBe(note.createdAt);

    expect(await announced).toEqual({
      type: 'note.created',
      ticketId: started.ticketId,
      ticketNumber: started.ticketNumber,
      at: note.createdAt,
      note,
      eventId: expect.stringMatching(/^\d+$/),
    });
    const ticket = await colleague.tickets.get.query({ id: started.ticketId });
    expect(ticket.notes).toEqual([note]);
    expect(ticket.events.filter((event) => event.type === 'note.created')).toMatchObject([
      { actorType: 'agent', actorId: agentId, data: { noteId: note.id } },
    ]);
    const audit = await db().handle.db
      .select()
      .from(ticketEvents)
      .where(and(eq(ticketEvents.ticketId, started.ticketId), eq(ticketEvents.type, 'note.created')));
    expect(audit).toMatchObject([{ actorType: 'agent', actorId: agentId, data: { noteId: note.id } }]);
    const [row] = await db().handle.db.select().from(ticketNotes).where(eq(ticketNotes.id, note.id));
    expect(row).toMatchObject({ ticketId: started.ticketId, agentId, body: note.body });
  });

  it('no note reaches the customer: not live on the socket, not on chat:resume, not on GET /api/chat', async () => {
    const secret = `segredo-${randomBytes(8).toString('hex')}`;
    const { socket, started } = await customerChat();
    const received: { event: string; args: unknown[] }[] = [];
    socket.onAny((event: string, ...args: unknown[]) => received.push({ event, args }));
    await requestOk(socket, 'message:send', { body: 'Oi, preciso de ajuda', clientMsgId: newClientMsgId() });

    const events = await follow(started.ticketId);
    const note = await agent.tickets.note.mutate({ id: started.ticketId, body: `Nota: ${secret}` });
    await events.next((event) => event.type === 'note.created' && event.note.id === note.id);
    // A reply after the note: whatever the note had sent to the chat's room would arrive before it.
    const clientMsgId = newClientMsgId();
    const replied = waitForEvent<Message>(socket, 'message:new', (message) => message.clientMsgId === clientMsgId);
    await agent.tickets.reply.mutate({ id: started.ticketId, body: 'Já verifico', clientMsgId });
    await replied;
    expect(received.map((r) => r.event)).toContain('message:new');
    expect(JSON.stringify(received)).not.toContain(secret);
    expect(JSON.stringify(received)).not.toContain(note.id);

    const resumer = await suite.customer();
    const resumed = await requestOk<ChatResumed>(resumer, 'chat:resume', { resumeToken: started.resumeToken });
    expect(resumed.messages.map((message) => message.body)).toEqual(['Oi, preciso de ajuda', 'Já verifico']);
    expect(JSON.stringify(resumed)).not.toContain(secret);

    const res = await fetch(`${suite.node().url}/api/chat`, { headers: { authorization: `Bearer ${started.resumeToken}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect((JSON.parse(text) as ChatTranscript).messages).toHaveLength(2);
    expect(text).not.toContain(secret);
  });

  it('a note refuses control characters, an empty or too long body, and an unknown ticket', async () => {
    const { started } = await customerChat();
    const control = await expectTrpcError(agent.tickets.note.mutate({ id: started.ticketId, body: 'bell\u0007' }), 'BAD_REQUEST');
    expect(control.data?.fields).toHaveProperty('body');
    await expectTrpcError(agent.tickets.note.mutate({ id: started.ticketId, body: '   ' }), 'BAD_REQUEST');
    await expectTrpcError(agent.tickets.note.mutate({ id: started.ticketId, body: 'x'.repeat(4001) }), 'BAD_REQUEST');
    await expect(agent.tickets.note.mutate({ id: started.ticketId, body: 'x'.repeat(4000) })).resolves.toMatchObject({ ticketId: started.ticketId });
    await expectTrpcError(agent.tickets.note.mutate({ id: '00000000-0000-4000-8000-000000000000', body: 'x' }), 'NOT_FOUND');
  });

  it('canned responses: any plain agent creates, lists, edits and deletes any of them', async () => {
    const name = shortcut('Saudacao');
    const created = await agent.cannedResponses.create.mutate({
      shortcut: ` ${name.toUpperCase()} `,
      title: 'Saudação',
      body: 'Olá {{customer.firstName}}, aqui é {{ agent.name }}.',
    });
    expect(created).toEqual({ id: expect.any(String), shortcut: name.toLowerCase(), title: 'Saudação', body: 'Olá {{customer.firstName}}, aqui é {{ agent.name }}.' });
    expect(await colleague.cannedResponses.list.query()).toContainEqual(created);

    const edited = await colleague.cannedResponses.update.mutate({ id: created.id, title: 'Boas-vindas' });
    expect(edited).toEqual({ ...created, title: 'Boas-vindas' });
    const [row] = await db().handle.db.select().from(cannedResponses).where(eq(cannedResponses.id, created.id));
    expect(row).toMatchObject({ title: 'Boas-vindas', createdBy: agentId });

    expect(await colleague.cannedResponses.delete.mutate({ id: created.id })).toEqual(edited);
    expect((await agent.cannedResponses.list.query()).map((c) => c.id)).not.toContain(created.id);
    await expectTrpcError(agent.cannedResponses.delete.mutate({ id: created.id }), 'NOT_FOUND');
    await expectTrpcError(agent.cannedResponses.update.mutate({ id: created.id, title: 'x' }), 'NOT_FOUND');
  });

  it('an unknown variable is refused when the response is saved, on create and on update', async () => {
    const unknown = await expectTrpcError(
      agent.cannedResponses.create.mutate({ shortcut: shortcut('email'), title: 'E-mail', body: 'Seu e-mail: {{customer.email}}' }),
      'BAD_REQUEST',
    );
    expect(unknown.data?.appCode).toBe('VALIDATION');
    expect(unknown.data?.fields?.body).toMatch(/\{\{customer\.email\}\}/);

    const saved = await agent.cannedResponses.create.mutate({ shortcut: shortcut('numero'), title: 'Número', body: 'Ticket #{{ticket.number}}' });
    const onUpdate = await expectTrpcError(
      agent.cannedResponses.update.mutate({ id: saved.id, body: 'Ticket #{{ticket.id}}' }),
      'BAD_REQUEST',
    );
    expect(onUpdate.data?.fields?.body).toMatch(/\{\{ticket\.id\}\}/);
    expect((await agent.cannedResponses.list.query()).find((c) => c.id === saved.id)?.body).toBe('Ticket #{{ticket.number}}');

    const badShortcut = await expectTrpcError(agent.cannedResponses.create.mutate({ shortcut: 'com espaço', title: 't', body: 'b' }), 'BAD_REQUEST');
    expect(badShortcut.data?.fields).toHaveProperty('shortcut');
  });

  it('a shortcut already taken, whatever its case, is a CONFLICT on create and on update', async () => {
    const taken = shortcut('prazo');
    await agent.cannedResponses.create.mutate({ shortcut: taken, title: 'Prazo', body: 'Até 5 dias úteis.' });
    const duplicate = await expectTrpcError(
      colleague.cannedResponses.create.mutate({ shortcut: taken.toUpperCase(), title: 'Outro', body: 'x' }),
      'CONFLICT',
    );
    expect(duplicate.data?.appCode).toBe('CONFLICT');
    expect(duplicate.data?.fields).toEqual({ shortcut: 'Already in use' });

    const other = await colleague.cannedResponses.create.mutate({ shortcut: shortcut('outro'), title: 'Outro', body: 'x' });
    await expectTrpcError(colleague.cannedResponses.update.mutate({ id: other.id, shortcut: taken }), 'CONFLICT');
  });

  it('a reply by cannedResponseId delivers the text filled in by the server to the customer socket', async () => {
    const { socket, started } = await customerChat(uniqueContact('Dora Maria Cliente'));
    const canned = await colleague.cannedResponses.create.mutate({
      shortcut: shortcut('ola'),
      title: 'Olá',
      body: 'Olá {{customer.firstName}} ({{customer.name}}), sou {{agent.name}}; seu ticket é #{{ticket.number}}.',
    });
    const clientMsgId = newClientMsgId();
    const delivered = waitForEvent<Message>(socket, 'message:new', (message) => message.clientMsgId === clientMsgId);
    const message = await agent.tickets.reply.mutate({ id: started.ticketId, clientMsgId, cannedResponseId: canned.id });
    const filled = `Olá Dora (Dora Maria Cliente), sou Nina Notas; seu ticket é #${started.ticketNumber}.`;
    expect(message).toMatchObject({ senderType: 'agent', senderName: 'Nina Notas', body: filled });
    expect(await delivered).toEqual(message);
    // A retry is the same message, even once the canned response is gone.
    await colleague.cannedResponses.delete.mutate({ id: canned.id });
    expect(await agent.tickets.reply.mutate({ id: started.ticketId, clientMsgId, cannedResponseId: canned.id })).toEqual(message);
  });

  it('a customer without a name on file is called what the visitor typed', async () => {
    // A customer known by phone alone; an unverified chat with that phone does not fill its name.
    const typed = uniqueContact('Zé Visitante');
    await agent.tickets.create.mutate({ subject: 'Ligação', source: 'phone', client: { phone: typed.e164 } });
    const { started } = await startChat({ name: typed.name, email: typed.email, phone: typed.e164 }, suite.node().ctx);
    expect((await agent.tickets.get.query({ id: started.ticketId })).client.name).toBeNull();
    const canned = await agent.cannedResponses.create.mutate({ shortcut: shortcut('nome'), title: 'Nome', body: '{{customer.firstName}}/{{customer.name}}' });
    const message = await agent.tickets.reply.mutate({ id: started.ticketId, clientMsgId: newClientMsgId(), cannedResponseId: canned.id });
    expect(message.body).toBe('Zé/Zé Visitante');
  });

  it('a deleted canned response is NOT_FOUND on reply; a body and a cannedResponseId together, or neither, BAD_REQUEST', async () => {
    const { started } = await customerChat();
    const canned = await agent.cannedResponses.create.mutate({ shortcut: shortcut('apagada'), title: 'Apagada', body: 'x' });
    await colleague.cannedResponses.delete.mutate({ id: canned.id });
    await expectTrpcError(agent.tickets.reply.mutate({ id: started.ticketId, clientMsgId: newClientMsgId(), cannedResponseId: canned.id }), 'NOT_FOUND');
    const both = await expectTrpcError(
      agent.tickets.reply.mutate({ id: started.ticketId, clientMsgId: newClientMsgId(), body: 'oi', cannedResponseId: canned.id }),
      'BAD_REQUEST',
    );
    expect(both.data?.fields).toHaveProperty('body');
    await expectTrpcError(agent.tickets.reply.mutate({ id: started.ticketId, clientMsgId: newClientMsgId() }), 'BAD_REQUEST');
    expect((await agent.chats.messages.query({ sessionId: started.sessionId })).messages).toEqual([]);
  });
});
