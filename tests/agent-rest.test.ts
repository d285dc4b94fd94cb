import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase } from '../server/db/client.js';
import { chatMessages, ticketEvents, ticketNotes, tickets } from '../server/db/schema.js';
import type { AtendeNode } from '../server/main.js';
import { closeChat } from '../server/services/chat/closeChat.js';
import { startChat } from '../server/services/chat/startChat.js';
import { agentClient, newAdminToken } from './support/agent.js';
import { newClientMsgId, uniqueContact } from './support/customer.js';
import { describeOnEachDriver, openTestPglite, openTestPostgres, type TestDatabase } from './support/databases.js';
import { startTestNode } from './support/node.js';
import { useTestNode } from './support/suite.js';
import { startTcpProxy, type TcpProxy } from './support/tcpProxy.js';

/** A REST call as any language would make it: fetch, a Bearer token, JSON. */
async function call(url: string, token: string | undefined, method = 'GET', body?: unknown) {
  const response = await fetch(url, {
    method,
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? (JSON.parse(text) as any) : undefined };
}

describeOnEachDriver('agent REST face (/api/v1)', (db) => {
  const adminToken = newAdminToken();
  let token: string;
  let agentId: string;
  const node = useTestNode(db, { ADMIN_TOKEN: adminToken });
  const api = (path: string, method = 'GET', body?: unknown, as: string | undefined = token) =>
    call(`${node().url}/api/v1${path}`, as, method, body);
  beforeAll(async () => {
    const created = await agentClient(node().url, adminToken).agents.create.mutate({ name: 'Rest Agent', email: uniqueContact().email, role: 'agent' });
    token = created.token;
    agentId = created.agent.id;
  });

  const chat = async () => {
    const contact = uniqueContact('Rosa Rest');
    const { started, chat: ref } = await startChat({ name: contact.name, email: contact.email, phone: contact.e164 }, node().ctx);
    return { ...started, clientId: ref.clientId, ref };
  };

  it('answers 401 without a token or with a wrong one, in the contract error shape', async () => {
    for (const as of [undefined, 'not-a-real-token-at-all-0000']) {
      const answer = await call(`${node().url}/api/v1/tickets`, as);
      expect(answer.status).toBe(401);
      expect(answer.json).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
    }
  });

  it('lists tickets with the tickets.list filters as query parameters, keyset-paged', async () => {
    await chat();
    const first = await chat();
    const second = await chat();
    const page = await api(`/tickets?clientId=${second.clientId}&limit=1`);
    expect(page.status).toBe(200);
    expect(page.json.items.map((item: { id: string }) => item.id)).toEqual([second.ticketId]);
    const both = await api(`/tickets?status=OPEN&source=chat&limit=2`);
    expect(both.json.items.map((item: { id: string }) => item.id)).toEqual([second.ticketId, first.ticketId]);
    expect(typeof both.json.nextCursor).toBe('string');
    const next = await api(`/tickets?status=OPEN&source=chat&limit=2&cursor=${encodeURIComponent(both.json.nextCursor)}`);
    expect(next.json.items.map((item: { id: string }) => item.id)).not.toContain(first.ticketId);
  });

  it('answers 400 VALIDATION with fields for bad query parameters and bodies', async () => {
    const badLimit = await api('/tickets?limit=1000&status=NOPE');
    expect(badLimit.status).toBe(400);
    expect(badLimit.json.error).toMatchObject({ code: 'VALIDATION', fields: { limit: expect.any(String), status: expect.any(String) } });
    const { ticketId } = await chat();
    const badPatch = await api(`/tickets/${ticketId}`, 'PATCH', { priority: 'SOON' });
    expect(badPatch.status).toBe(400);
    expect(badPatch.json.error.fields).toHaveProperty('priority');
    const badJson = await fetch(`${node().url}/api/v1/tickets/${ticketId}/notes`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: '{nope',
    });
    expect(badJson.status).toBe(400);
    const range = await api('/metrics/summary?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z');
    expect(range.json.error).toMatchObject({ code: 'VALIDATION', fields: { to: expect.any(String) } });
  });

  it('reads a ticket by id and by number, 404 for one that does not exist', async () => {
    const { ticketId, ticketNumber } = await chat();
    const byId = await api(`/tickets/${ticketId}`);
    expect(byId.status).toBe(200);
    expect(byId.json).toMatchObject({ id: ticketId, number: ticketNumber, events: [{ type: 'ticket.created' }] });
    const byNumber = await api(`/tickets/${ticketNumber}`);
    expect(byNumber.json.id).toBe(ticketId);
    const missing = await api('/tickets/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('NOT_FOUND');
    expect((await api('/no/such/route')).status).toBe(404);
  });

  it('PATCH changes the ticket through the same service: audited, answered with the Ticket', async () => {
    const { ticketId } = await chat();
    const answer = await api(`/tickets/${ticketId}`, 'PATCH', { status: 'PENDING', priority: 'HIGH' });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ id: ticketId, status: 'PENDING', priority: 'HIGH' });
    const [row] = await db().handle.db.select().from(tickets).where(eq(tickets.id, ticketId));
    expect(row).toMatchObject({ status: 'PENDING', priority: 'HIGH' });
    const audit = await db().handle.db
      .select()
      .from(ticketEvents)
      .where(and(eq(ticketEvents.ticketId, ticketId), eq(ticketEvents.type, 'ticket.updated')))
      .orderBy(asc(ticketEvents.id));
    expect(audit.map((event) => [event.actorId, Object.keys(event.data.changes as object)])).toEqual([
      [agentId, ['status']],
      [agentId, ['priority']],
    ]);
  });

  it('replies (201, idempotent by clientMsgId), 409 CLOSED once the chat ended, and notes', async () => {
    const started = await chat();
    const clientMsgId = newClientMsgId();
    const reply = await api(`/tickets/${started.ticketId}/replies`, 'POST', { body: 'Olá pelo REST', clientMsgId });
    expect(reply.status).toBe(201);
    expect(reply.json).toMatchObject({ sessionId: started.sessionId, seq: 1, senderType: 'agent', body: 'Olá pelo REST' });
    const again = await api(`/tickets/${started.ticketId}/replies`, 'POST', { body: 'Olá pelo REST', clientMsgId });
    expect(again.json.id).toBe(reply.json.id);
    expect(await db().handle.db.select().from(chatMessages).where(eq(chatMessages.sessionId, started.sessionId))).toHaveLength(1);

    const messages = await api(`/chats/${started.sessionId}/messages?afterSeq=0`);
    expect(messages.json.messages.map((message: { id: string }) => message.id)).toEqual([reply.json.id]);

    const note = await api(`/tickets/${started.ticketId}/notes`, 'POST', { body: 'Cliente VIP' });
    expect(note.status).toBe(201);
    expect(await db().handle.db.select().from(ticketNotes).where(eq(ticketNotes.ticketId, started.ticketId))).toHaveLength(1);

    await closeChat(started.ref, { reason: 'client', actorType: 'client', actorId: started.clientId }, node().ctx);
    const closed = await api(`/tickets/${started.ticketId}/replies`, 'POST', { body: 'Tarde demais', clientMsgId: newClientMsgId() });
    expect(closed.status).toBe(409);
    expect(closed.json.error.code).toBe('CLOSED');
  });

  it('reads a customer and its history; 404 for an unknown one', async () => {
    const { clientId, ticketId } = await chat();
    const client = await api(`/clients/${clientId}`);
    expect(client.json).toMatchObject({ id: clientId, totalTickets: 1 });
    const history = await api(`/clients/${clientId}/history`);
    expect(history.json.tickets.map((ticket: { id: string }) => ticket.id)).toEqual([ticketId]);
    expect((await api('/clients/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    const summary = await api('/metrics/summary');
    expect(summary.status).toBe(200);
    expect(summary.json).toHaveProperty('ticketsBySource');
  });

  it('admin-only endpoints answer 403 FORBIDDEN to an agent, 201 to an admin', async () => {
    const input = { name: 'Novo Agente', email: uniqueContact().email };
    const refused = await api('/agents', 'POST', input);
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe('FORBIDDEN');
    const created = await api('/agents', 'POST', input, adminToken);
    expect(created.status).toBe(201);
    expect(created.json.agent).toMatchObject({ email: input.email, role: 'agent' });
  });
});

describe('agent REST face: limits and an unreachable database', () => {
  let database: TestDatabase | undefined;
  let node: AtendeNode | undefined;
  afterAll(async () => {
    await node?.stop();
    await database?.close();
  });

  it('wrong tokens spend the failed-auth bucket like tRPC: 429 RATE_LIMITED with Retry-After', async () => {
    database = await openTestPglite();
    node = await startTestNode(database.handle, { RATE_FAILED_AUTH_PER_MINUTE: '3' });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(`${node.url}/api/v1/tickets`, `wrong-token-${i}-0000000000000000`)).status);
    expect(statuses).toEqual([401, 401, 401]);
    const limited = await call(`${node.url}/api/v1/tickets`, 'wrong-token-x-0000000000000000');
    expect(limited.status).toBe(429);
    expect(limited.json.error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it.skipIf(!inject('postgresAvailable'))('answers 503 UNAVAILABLE with Retry-After while PostgreSQL cannot be reached', async () => {
    const scratch = await openTestPostgres();
    const proxy: TcpProxy = await startTcpProxy(Number(new URL(scratch.url!).port || 5432));
    const url = new URL(scratch.url!);
    url.port = String(proxy.port);
    const handle = await openDatabase({ databaseUrl: url.toString(), dataDir: 'unused', maxConnections: 2 });
    const adminToken = newAdminToken();
    const proxied = await startTestNode(handle, { ADMIN_TOKEN: adminToken });
    try {
      expect((await call(`${proxied.url}/api/v1/tickets`, adminToken)).status).toBe(200);
      proxy.block();
      const down = await call(`${proxied.url}/api/v1/tickets`, adminToken);
      expect(down.status).toBe(503);
      expect(down.json.error.code).toBe('UNAVAILABLE');
      expect(down.headers.get('retry-after')).toBe('5');
    } finally {
      proxy.unblock();
      await proxied.stop();
      await handle.close();
      await proxy.close();
      await scratch.close();
    }
  });
});
