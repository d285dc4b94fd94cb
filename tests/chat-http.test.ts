import { eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { chatMessages, chatSessions, tickets } from '../server/db/schema.js';
import type { AtendeNode } from '../server/main.js';
import type { ChatStarted, Message } from '../shared/chat.js';
import { describeOnEachDriver } from './support/databases.js';
import { useNodeWithCustomers } from './support/suite.js';
import {
  requestOk,
  uniqueContact,
  waitForEvent,
} from './support/customer.js';

describeOnEachDriver('HTTP chat API /api/chat', (db) => {
  const suite = useNodeWithCustomers(db);
  let node: AtendeNode;
  beforeAll(() => {
    node = suite.node();
  });

  function call(method: string, body?: unknown, token?: string, query = '') {
    return fetch(`${node.url}/api/chat${query}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  async function startHttpChat(extra: Record<string, unknown> = {}) {
    const contact = uniqueContact();
    const res = await call('PUT', { name: contact.name, email: contact.email, phone: contact.phone, ...extra });
    expect(res.status).toBe(201);
    return { started: (await res.json()) as ChatStarted, contact };
  }

  it('does the whole chat: PUT starts, POST sends (idempotent), GET reads after a seq, PATCH closes', async () => {
    const { started } = await startHttpChat({ message: 'Primeira' });
    // PROTOCOL §7: nothing that tells whether the e-mail or phone is a customer.
    expect(Object.keys(started).sort()).toEqual(['resumeToken', 'sessionId', 'ticketId', 'ticketNumber']);

    const first = await call('POST', { body: 'Segunda', clientMsgId: 'm2' }, started.resumeToken);
    expect(first.status).toBe(201);
    const message = (await first.json()) as Message;
    expect(message).toMatchObject({ seq: 2, body: 'Segunda', senderType: 'client', clientMsgId: 'm2' });
    const again = await call('POST', { body: 'Segunda', clientMsgId: 'm2' }, started.resumeToken);
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(message);

    const read = await call('GET', undefined, started.resumeToken, '?afterSeq=1');
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual({
      sessionId: started.sessionId,
      ticketNumber: started.ticketNumber,
      status: 'active',
      messages: [message],
      hasMore: false,
    });

    const closed = await call('PATCH', { action: 'close', reason: 'obrigado' }, started.resumeToken);
    expect(closed.status).toBe(200);
    expect(await closed.json()).toEqual({ status: 'closed' });
    const late = await call('POST', { body: 'late', clientMsgId: 'm3' }, started.resumeToken);
    expect(late.status).toBe(409);
    expect(await late.json()).toMatchObject({ error: { code: 'CLOSED' } });

    const all = await (await call('GET', undefined, started.resumeToken)).json();
    expect(all.status).toBe('closed');
    expect(all.messages.map((m: Message) => m.seq)).toEqual([1, 2]);
    // No agent replied: the ticket stays OPEN (PROTOCOL §8), as over the socket.
    const [ticket] = await db().handle.db.select().from(tickets).where(eq(tickets.id, started.ticketId));
    expect(ticket!.status).toBe('OPEN');
  });

  it('broadcasts what the HTTP API does exactly as the socket would', async () => {
    const { started } = await startHttpChat();
    const socket = await suite.customer();
    await requestOk(socket, 'chat:resume', { resumeToken: started.resumeToken });
    const arrived = waitForEvent<Message>(socket, 'message:new');
    const res = await call('POST', { body: 'via http', clientMsgId: 'h1' }, started.resumeToken);
    expect(await arrived).toEqual(await res.json());
    const closedEvent = waitForEvent(socket, 'chat:closed');
    await call('PATCH', { action: 'close' }, started.resumeToken);
    expect(await closedEvent).toEqual({ reason: 'client' });
  });

  it('refuses bad input with 400 and the fields, writing nothing', async () => {
    const contact = uniqueContact();
    const res = await call('PUT', { name: '', email: 'bad', phone: '12' });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe('VALIDATION');
    expect(Object.keys(body.error.fields).sort()).toEqual(['email', 'name', 'phone']);
    expect(await (await call('PUT', '{"name": ')).json()).toMatchObject({ error: { code: 'VALIDATION' } });
    expect((await call('PUT', '[1,2]')).status).toBe(400);
    const sessions = await db().handle.db.select().from(chatSessions).where(eq(chatSessions.userEmail, contact.email));
    expect(sessions).toHaveLength(0);

    const { started } = await startHttpChat();
    const badMessage = await call('POST', { body: '', clientMsgId: 'x' }, started.resumeToken);
    expect(badMessage.status).toBe(400);
    expect((await badMessage.json()).error.fields).toHaveProperty('body');
    const badAction = await call('PATCH', { action: 'reopen' }, started.resumeToken);
    expect(badAction.status).toBe(400);
    const badSeq = await call('GET', undefined, started.resumeToken, '?afterSeq=-3');
    expect(badSeq.status).toBe(400);
    const rows = await db().handle.db.select().from(chatMessages).where(eq(chatMessages.sessionId, started.sessionId));
    expect(rows).toHaveLength(0);
  });

  it('answers 401 without a token or with another session’s token', async () => {
    const a = await startHttpChat();
    const b = await startHttpChat();
    for (const method of ['POST', 'PATCH', 'GET']) {
      const body = method === 'GET' ? undefined : { body: 'x', clientMsgId: 'x', action: 'close' };
      const none = await call(method, body);
      expect(none.status).toBe(401);
      expect(await none.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
      const [idA] = a.started.resumeToken.split('.');
      const [, secretB] = b.started.resumeToken.split('.');
      expect((await call(method, body, `${idA}.${secretB}`)).status).toBe(401);
    }
    const [session] = await db().handle.db.select().from(chatSessions).where(eq(chatSessions.id, a.started.sessionId));
    expect(session!.status).toBe('active');
  });

  it('refuses foreign browser origins and allows localhost and requests without Origin', async () => {
    const contact = uniqueContact();
    const payload = JSON.stringify({ name: contact.name, email: contact.email, phone: contact.phone });
    const foreign = await fetch(`${node.url}/api/chat`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
      body: payload,
    });
    expect(foreign.status).toBe(403);
    const local = await fetch(`${node.url}/api/chat`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', origin: 'http://localhost:5173' },
      body: payload,
    });
    expect(local.status).toBe(201);
    expect(local.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  });

  it('serves /healthz and /readyz, and unknown API paths are 404 in the contract’s shape', async () => {
    expect(await (await fetch(`${node.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${node.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', checks: { database: 'ok' } });
    const missing = await fetch(`${node.url}/api/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('keeps an idle connection 65 s (past a load balancer\'s 60), and says so to clients reusing it', async () => {
    const { request } = await import('node:http');
    // fetch hides the Keep-Alive header; a plain request shows it.
    const header = await new Promise<string>((resolve, reject) => {
      request(`${node.url}/healthz`, { agent: false, headers: { connection: 'keep-alive' } }, (response) => {
        response.resume();
        resolve(String(response.headers['keep-alive']));
      })
        .on('error', reject)
        .end();
    });
    expect(header).toBe('timeout=65');
  });
});
