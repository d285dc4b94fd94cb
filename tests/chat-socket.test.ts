import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { chatMessages, chatSessions, tickets } from '../server/db/schema.js';
import type { ChatStarted, Message } from '../shared/chat.js';
import { describeOnEachDriver } from './support/databases.js';
import { useNodeWithCustomers } from './support/suite.js';
import {
  newClientMsgId,
  request,
  requestOk,
  uniqueContact,
  waitForEvent,
  type CustomerSocket,
} from './support/customer.js';

describeOnEachDriver('customer socket /chat', (db) => {
  const suite = useNodeWithCustomers(db);
  const customer = () => suite.customer();

  async function startedChat(socket?: CustomerSocket) {
    const s = socket ?? (await customer());
    const contact = uniqueContact();
    const started = await requestOk<ChatStarted>(s, 'chat:start', {
      name: contact.name,
      email: contact.email,
      phone: contact.phone,
    });
    return { socket: s, started, contact };
  }

  it('chat:start answers with the ticket, and the phone is stored in E.164', async () => {
    const socket = await customer();
    const contact = uniqueContact('Paula Lima');
    const result = await request<ChatStarted>(socket, 'chat:start', {
      name: '  Paula Lima ',
      email: ` ${contact.email.toUpperCase()} `,
      phone: contact.phone,
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(Object.keys(result.data).sort()).toEqual(
      ['resumeToken', 'sessionId', 'ticketId', 'ticketNumber'].sort(),
    );
    const [session] = await db().handle.db.select().from(chatSessions).where(eq(chatSessions.id, result.data.sessionId));
    expect(session).toMatchObject({ userName: 'Paula Lima', userEmail: contact.email, userPhone: contact.e164 });
  });

  it('message:send acks the committed message and emits message:new to every socket of the session', async () => {
    const { socket, started } = await startedChat();
    const secondTab = await customer();
    await requestOk(secondTab, 'chat:resume', { resumeToken: started.resumeToken });

    const clientMsgId = newClientMsgId();
    const seenByOtherTab = waitForEvent<Message>(secondTab, 'message:new', (m) => m.clientMsgId === clientMsgId);
    const seenBySender = waitForEvent<Message>(socket, 'message:new', (m) => m.clientMsgId === clientMsgId);
    const message = await requestOk<Message>(socket, 'message:send', { body: ' Oi, tudo bem? ', clientMsgId });

    expect(message).toMatchObject({
      sessionId: started.sessionId,
      seq: 1,
      senderType: 'client',
      body: 'Oi, tudo bem?',
      clientMsgId,
    });
    expect(new Date(message.createdAt).toISOString()).toBe(message.createdAt);
    // Acknowledged means committed: the row is there when the ack arrives.
    const rows = await db().handle.db.select().from(chatMessages).where(eq(chatMessages.id, message.id));
    expect(rows).toHaveLength(1);
    expect(await seenByOtherTab).toEqual(message);
    expect(await seenBySender).toEqual(message);
  });

  it('message:send with echo: false spares its own socket the message:new (the ack carries it); the other sockets of the session still get it', async () => {
    const { socket, started } = await startedChat();
    const secondTab = await customer();
    await requestOk(secondTab, 'chat:resume', { resumeToken: started.resumeToken });
    const heardBySender: Message[] = [];
    socket.on('message:new', (m: Message) => heardBySender.push(m));

    const quiet = newClientMsgId();
    const seenByOtherTab = waitForEvent<Message>(secondTab, 'message:new', (m) => m.clientMsgId === quiet);
    const acked = await requestOk<Message>(socket, 'message:send', { body: 'Sem eco', clientMsgId: quiet, echo: false });
    expect(await seenByOtherTab).toEqual(acked);

    // A socket's events arrive in order: once the next message (echoed) is heard, the first was not.
    const echoed = newClientMsgId();
    const heard = waitForEvent<Message>(socket, 'message:new', (m) => m.clientMsgId === echoed);
    await requestOk<Message>(socket, 'message:send', { body: 'Com eco', clientMsgId: echoed, echo: true });
    await heard;
    expect(heardBySender.map((m) => m.clientMsgId)).toEqual([echoed]);
  });

  it('two sockets sending at once into one session get gap-free seqs', async () => {
    const { socket, started } = await startedChat();
    const other = await customer();
    await requestOk(other, 'chat:resume', { resumeToken: started.resumeToken });
    const sends = Array.from({ length: 40 }, (_, i) =>
      requestOk<Message>(i % 2 ? socket : other, 'message:send', { body: `m${i}`, clientMsgId: newClientMsgId() }),
    );
    const messages = await Promise.all(sends);
    expect(messages.map((m) => m.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const rows = await db().handle.db.select().from(chatMessages).where(eq(chatMessages.sessionId, started.sessionId));
    expect(rows.map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('the same clientMsgId sent twice at once stores one message and both acks carry it', async () => {
    const { socket, started } = await startedChat();
    const other = await customer();
    await requestOk(other, 'chat:resume', { resumeToken: started.resumeToken });
    const clientMsgId = newClientMsgId();
    const [a, b, c] = await Promise.all([
      requestOk<Message>(socket, 'message:send', { body: 'once', clientMsgId }),
      requestOk<Message>(other, 'message:send', { body: 'once', clientMsgId }),
      requestOk<Message>(socket, 'message:send', { body: 'once', clientMsgId }),
    ]);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    const rows = await db().handle.db.select().from(chatMessages).where(eq(chatMessages.sessionId, started.sessionId));
    expect(rows).toHaveLength(1);
    const [session] = await db().handle.db.select().from(chatSessions).where(eq(chatSessions.id, started.sessionId));
    expect(session!.lastSeq).toBe(1);
    // The seq freed by the duplicates is not a gap: the next message takes 2.
    const next = await requestOk<Message>(socket, 'message:send', { body: 'next', clientMsgId: newClientMsgId() });
    expect(next.seq).toBe(2);
  });

  it('resume after a disconnect returns exactly the messages after lastSeq, in order', async () => {
    const { socket, started } = await startedChat();
    for (let i = 1; i <= 5; i++) {
      await requestOk(socket, 'message:send', { body: `m${i}`, clientMsgId: `c${i}` });
    }
    socket.disconnect();
    const back = await customer();
    const resumed = await requestOk(back, 'chat:resume', { resumeToken: started.resumeToken, lastSeq: 2 });
    expect(resumed).toMatchObject({
      sessionId: started.sessionId,
      ticketId: started.ticketId,
      ticketNumber: started.ticketNumber,
      status: 'active',
    });
    expect(resumed.messages.map((m: Message) => [m.seq, m.body])).toEqual([
      [3, 'm3'],
      [4, 'm4'],
      [5, 'm5'],
    ]);
    const all = await requestOk(back, 'chat:resume', { resumeToken: started.resumeToken });
    expect(all.messages.map((m: Message) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    // The resumed socket sends into the same session.
    const sixth = await requestOk<Message>(back, 'message:send', { body: 'm6', clientMsgId: 'c6' });
    expect(sixth.seq).toBe(6);
  });

  it('a wrong, malformed or foreign token is UNAUTHORIZED and attaches nothing', async () => {
    const first = await startedChat();
    const second = await startedChat();
    const intruder = await customer();
    const [sessionId, secret] = first.started.resumeToken.split('.');
    const foreignSecret = second.started.resumeToken.split('.')[1];
    for (const resumeToken of [
      `${sessionId}.${foreignSecret}`,
      `${sessionId}.${secret}x`,
      `${second.started.sessionId}.${secret}`,
      'nonsense',
      `${sessionId}`,
    ]) {
      const result = await request(intruder, 'chat:resume', { resumeToken });
      expect(result).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    }
    const send = await request(intruder, 'message:send', { body: 'hi', clientMsgId: 'x' });
    expect(send).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
  });

  it('message:send before a chat is started is UNAUTHORIZED', async () => {
    const socket = await customer();
    expect(await request(socket, 'message:send', { body: 'hi', clientMsgId: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'UNAUTHORIZED' },
    });
  });

  it('chat:close closes the session, tells every socket, and later sends are CLOSED; unanswered, the ticket stays OPEN', async () => {
    const { socket, started } = await startedChat();
    const other = await customer();
    await requestOk(other, 'chat:resume', { resumeToken: started.resumeToken });
    await requestOk(socket, 'message:send', { body: 'bye', clientMsgId: 'bye' });
    const closedEvent = waitForEvent(other, 'chat:closed');
    expect(await requestOk(socket, 'chat:close', { reason: 'resolvido' })).toEqual({ status: 'closed' });
    expect(await closedEvent).toEqual({ reason: 'client' });

    const [session] = await db().handle.db.select().from(chatSessions).where(eq(chatSessions.id, started.sessionId));
    expect(session).toMatchObject({ status: 'closed', closeReason: 'client', unanswered: true });
    expect(session!.endedAt).toBeInstanceOf(Date);
    // No agent replied: a walk-away, not a resolution (PROTOCOL §8; answered chats: chat-endings.test.ts).
    const [ticket] = await db().handle.db.select().from(tickets).where(eq(tickets.id, started.ticketId));
    expect(ticket!.status).toBe('OPEN');
    expect(ticket!.resolvedAt).toBeNull();

    expect(await request(other, 'message:send', { body: 'late', clientMsgId: 'late' })).toMatchObject({
      ok: false,
      error: { code: 'CLOSED' },
    });
    // A retry of an already stored message still gets its message back.
    expect(await requestOk(other, 'message:send', { body: 'bye', clientMsgId: 'bye' })).toMatchObject({ seq: 1 });
    // Closing twice is harmless; a closed chat still resumes, read-only.
    expect(await requestOk(socket, 'chat:close', {})).toEqual({ status: 'closed' });
    const resumed = await requestOk(await customer(), 'chat:resume', { resumeToken: started.resumeToken });
    expect(resumed.status).toBe('closed');
    expect(resumed.messages).toHaveLength(1);
  });
});
