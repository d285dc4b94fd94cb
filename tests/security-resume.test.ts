import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { chatMessages, chatSessions } from '../server/db/schema.js';
import type { ChatResumed, ChatStarted, Message } from '../shared/chat.js';
import type { Ack } from '../shared/errors.js';
import { agentClient, expectTrpcError, newAdminToken } from './support/agent.js';
import {
  newClientMsgId,
  request,
  requestOk,
  uniqueContact,
  type CustomerSocket,
} from './support/customer.js';
import { describeOnEachDriver, type TestDatabase } from './support/databases.js';
import { useNodeWithCustomers } from './support/suite.js';

/** Resume is attacked as it was found: right tokens, many times, in parallel (PROTOCOL §7). */

function startPayload(message?: string) {
  const contact = uniqueContact();
  return { name: contact.name, email: contact.email, phone: contact.phone, ...(message ? { message } : {}) };
}

async function httpChat(url: string, method: string, token?: string, body?: unknown, query = '') {
  const response = await fetch(`${url}/api/chat${query}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

async function sendMany(socket: CustomerSocket, count: number, body = (i: number) => `mensagem ${i}`) {
  return Promise.all(
    Array.from({ length: count }, (_, i) => request<Message>(socket, 'message:send', { body: body(i), clientMsgId: newClientMsgId() })),
  );
}

const refusedCodes = (results: Array<Ack<unknown>>) => results.filter((r) => !r.ok).map((r) => (r.ok ? '' : r.error.code));

describeOnEachDriver('resume: pages, limits, expiry', (db: () => TestDatabase) => {
  const suite = useNodeWithCustomers(db, {
    RATE_RESUMES_PER_MINUTE: '30',
    // Low on purpose: right tokens must never spend failed-auth points.
    RATE_FAILED_AUTH_PER_MINUTE: '5',
  });

  it('a 250-message session resumes as 200 + hasMore, then the rest; GET /api/chat pages the same', async () => {
    const owner = await suite.customer();
    const started = await requestOk<ChatStarted>(owner, 'chat:start', startPayload());
    const sent = await sendMany(owner, 250);
    expect(sent.every((r) => r.ok)).toBe(true);

    const reader = await suite.customer();
    const first = await requestOk<ChatResumed>(reader, 'chat:resume', { resumeToken: started.resumeToken });
    expect(first.messages).toHaveLength(200);
    expect(first.hasMore).toBe(true);
    expect(first.messages.map((m) => m.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const lastSeq = first.messages.at(-1)!.seq;
    const rest = await requestOk<ChatResumed>(reader, 'chat:resume', { resumeToken: started.resumeToken, lastSeq });
    expect(rest.messages.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 201));
    expect(rest.hasMore).toBe(false);

    const page = await httpChat(suite.node().url, 'GET', started.resumeToken, undefined, '?afterSeq=10');
    expect(page.status).toBe(200);
    expect(page.body.messages).toHaveLength(200);
    expect(page.body.messages[0].seq).toBe(11);
    expect(page.body.hasMore).toBe(true);
    const tail = await httpChat(suite.node().url, 'GET', started.resumeToken, undefined, '?afterSeq=210');
    expect(tail.body.messages).toHaveLength(40);
    expect(tail.body.hasMore).toBe(false);
  });

  it('40 parallel resumes on one socket: 30 answered, the rest RATE_LIMITED with retryAfterMs', async () => {
    const { resumeToken } = await requestOk<ChatStarted>(await suite.customer(), 'chat:start', startPayload('oi'));
    const socket = await suite.customer();
    const results = await Promise.all(Array.from({ length: 40 }, () => request(socket, 'chat:resume', { resumeToken })));
    expect(results.filter((r) => r.ok)).toHaveLength(30);
    expect(refusedCodes(results)).toEqual(Array(10).fill('RATE_LIMITED'));
    const refused = results.find((r) => !r.ok);
    if (refused && !refused.ok) expect(refused.error.retryAfterMs).toBeGreaterThan(0);
    expect(socket.connected).toBe(true);
  });

  it('40 parallel resumes of one session from 40 sockets and HTTP: limited per session', async () => {
    const { resumeToken } = await requestOk<ChatStarted>(await suite.customer(), 'chat:start', startPayload('oi'));
    const sockets = await Promise.all(Array.from({ length: 20 }, () => suite.customer()));
    const [bySocket, byHttp] = await Promise.all([
      Promise.all(sockets.map((socket) => request(socket, 'chat:resume', { resumeToken }))),
      Promise.all(Array.from({ length: 20 }, () => httpChat(suite.node().url, 'GET', resumeToken))),
    ]);
    const answered = bySocket.filter((r) => r.ok).length + byHttp.filter((r) => r.status === 200).length;
    expect(answered).toBe(30);
    expect(refusedCodes(bySocket).every((code) => code === 'RATE_LIMITED')).toBe(true);
    const refusedHttp = byHttp.filter((r) => r.status !== 200);
    expect(refusedHttp.every((r) => r.status === 429 && r.body.error.code === 'RATE_LIMITED')).toBe(true);

    // Another session is not affected.
    const other = await requestOk<ChatStarted>(await suite.customer(), 'chat:start', startPayload());
    expect(await request(await suite.customer(), 'chat:resume', { resumeToken: other.resumeToken })).toMatchObject({ ok: true });
  });

  it('200 visitors behind one address resuming 200 sessions at once (a node drained) are all let in', async () => {
    const url = suite.node().url;
    const started = await Promise.all(
      Array.from({ length: 200 }, async () => (await httpChat(url, 'PUT', undefined, startPayload())).body as ChatStarted),
    );
    const sockets = await Promise.all(started.map(() => suite.customer()));
    const results = await Promise.all(
      sockets.map((socket, i) => request<ChatResumed>(socket, 'chat:resume', { resumeToken: started[i]!.resumeToken })),
    );
    expect(refusedCodes(results)).toEqual([]);
    expect(results.map((r) => (r.ok ? r.data.sessionId : undefined))).toEqual(started.map((s) => s.sessionId));
  });

  it('a token expires RESUME_TOKEN_TTL_HOURS (168) after its chat ended: UNAUTHORIZED on socket and HTTP; an open chat never expires', async () => {
    const socket = await suite.customer();
    const ended = await requestOk<ChatStarted>(socket, 'chat:start', startPayload('oi'));
    await requestOk(socket, 'chat:close', {});
    const endedAt = (hoursAgo: number) => new Date(Date.now() - hoursAgo * 3_600_000);

    // Ended 167 h ago: still resumes, read-only.
    await db().handle.db.update(chatSessions).set({ endedAt: endedAt(167) }).where(eq(chatSessions.id, ended.sessionId));
    expect(await request(await suite.customer(), 'chat:resume', { resumeToken: ended.resumeToken })).toMatchObject({
      ok: true,
      data: { status: 'closed' },
    });

    await db().handle.db.update(chatSessions).set({ endedAt: endedAt(169) }).where(eq(chatSessions.id, ended.sessionId));
    expect(await request(await suite.customer(), 'chat:resume', { resumeToken: ended.resumeToken })).toMatchObject({
      ok: false,
      error: { code: 'UNAUTHORIZED' },
    });
    const http = await httpChat(suite.node().url, 'GET', ended.resumeToken);
    expect(http.status).toBe(401);
    expect(http.body.error.code).toBe('UNAUTHORIZED');

    // An open chat started long ago still resumes.
    const open = await requestOk<ChatStarted>(await suite.customer(), 'chat:start', startPayload('oi'));
    await db().handle.db.update(chatSessions).set({ startedAt: endedAt(24 * 365) }).where(eq(chatSessions.id, open.sessionId));
    expect(await request(await suite.customer(), 'chat:resume', { resumeToken: open.resumeToken })).toMatchObject({ ok: true });
  });
});

describeOnEachDriver('MAX_MESSAGES_PER_SESSION: message cap', (db: () => TestDatabase) => {
  const adminToken = newAdminToken();
  const suite = useNodeWithCustomers(db, {
    MAX_MESSAGES_PER_SESSION: '10',
    ADMIN_TOKEN: adminToken,
  });

  it('30 concurrent sends into a session of 10: exactly 10 stored, the rest CLOSED saying so; HTTP and agent replies too', async () => {
    const socket = await suite.customer();
    const started = await requestOk<ChatStarted>(socket, 'chat:start', startPayload('primeira'));
    const results = await sendMany(socket, 30);
    expect(results.filter((r) => r.ok)).toHaveLength(9);
    const refused = results.filter((r) => !r.ok);
    expect(refused).toHaveLength(21);
    for (const r of refused) {
      expect(r).toMatchObject({ ok: false, error: { code: 'CLOSED', message: expect.stringMatching(/limit of 10 messages/) } });
    }

    const http = await httpChat(suite.node().url, 'POST', started.resumeToken, { body: 'mais', clientMsgId: newClientMsgId() });
    expect(http.status).toBe(409);
    expect(http.body.error).toMatchObject({ code: 'CLOSED', message: expect.stringMatching(/limit of 10 messages/) });

    const agent = agentClient(suite.node().url, adminToken);
    const error = await expectTrpcError(
      agent.tickets.reply.mutate({ id: started.ticketId, body: 'resposta', clientMsgId: newClientMsgId() }),
      'CONFLICT',
    );
    expect(error.message).toMatch(/limit of 10 messages/);

    const rows = await db().handle.db.select().from(chatMessages).where(eq(chatMessages.sessionId, started.sessionId));
    expect(rows.map((row) => row.seq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const [session] = await db().handle.db.select().from(chatSessions).where(eq(chatSessions.id, started.sessionId));
    expect(session!.lastSeq).toBe(10);
  });

  it('two sessions sending concurrently past the cap: each holds exactly 10', async () => {
    const a = await suite.customer();
    const b = await suite.customer();
    const [startedA, startedB] = await Promise.all([
      requestOk<ChatStarted>(a, 'chat:start', startPayload()),
      requestOk<ChatStarted>(b, 'chat:start', startPayload()),
    ]);
    const [sentA, sentB] = await Promise.all([sendMany(a, 15), sendMany(b, 15)]);
    expect(sentA.filter((r) => r.ok)).toHaveLength(10);
    expect(sentB.filter((r) => r.ok)).toHaveLength(10);
    for (const sessionId of [startedA.sessionId, startedB.sessionId]) {
      const rows = await db().handle.db.select().from(chatMessages).where(eq(chatMessages.sessionId, sessionId));
      expect(rows).toHaveLength(10);
    }
  });
});

describe('configuration', () => {
  it('RATE_RESUMES_PER_MINUTE, RESUME_TOKEN_TTL_HOURS, MAX_MESSAGES_PER_SESSION: defaults 30, 168, 5000; a bad value names the variable', async () => {
    const { loadConfig, ConfigError } = await import('../server/config.js');
    expect(loadConfig({})).toMatchObject({ RATE_RESUMES_PER_MINUTE: 30, RESUME_TOKEN_TTL_HOURS: 168, MAX_MESSAGES_PER_SESSION: 5000 });
    for (const name of ['RATE_RESUMES_PER_MINUTE', 'RESUME_TOKEN_TTL_HOURS', 'MAX_MESSAGES_PER_SESSION']) {
      expect(() => loadConfig({ [name]: '0' })).toThrow(ConfigError);
      expect(() => loadConfig({ [name]: 'many' })).toThrow(new RegExp(name));
    }
  });
});
