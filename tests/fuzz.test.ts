import fc from 'fast-check';
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatMessages, chatSessions, clients, tickets } from '../server/db/schema.js';
import { ERROR_CODES } from '../shared/errors.js';
import type { ChatStarted } from '../shared/chat.js';
import { agentClient, newAdminToken } from './support/agent.js';
import { connectCustomer, request, requestOk, uniqueContact, type CustomerSocket } from './support/customer.js';
import { useTestNode, usePglite } from './support/suite.js';

/** Values an attacker would try: wrong types, operators, pollution keys, control characters, SQL, huge strings. */
const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.constantFrom(
    "'; DROP TABLE clients; --",
    "x' OR '1'='1",
    '<img src=x onerror=alert(1)>',
    '\u0000\u0001\u001b[2J',
    '__proto__',
    '../../etc/passwd',
    '${7*7}',
    '%00',
  ),
  // Longer than every limit, yet each payload stays under the transport's frame limit.
  fc.nat({ max: 6_000 }).map((n) => 'A'.repeat(n)),
);
const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    hostileString,
    fc.anything({ maxDepth: 2 }),
    fc.constantFrom(null, undefined, true, 0, -1, Number.MAX_SAFE_INTEGER, 1e308, NaN),
    fc.record({ $ne: tie('value') }),
    fc.record({ $gt: fc.constant('') }),
    fc.array(tie('value'), { maxLength: 3 }),
  ),
})).value;
const pollution = fc.constantFrom(
  JSON.parse('{"__proto__": {"polluted": true}}'),
  JSON.parse('{"constructor": {"prototype": {"polluted": true}}}'),
  JSON.parse('{"name": {"__proto__": {"polluted": true}}, "email": "a@b.co", "phone": "11987654321"}'),
);
/** A payload shaped like the real ones, with any field replaced by something hostile. */
const payload = fc.oneof(
  hostileValue,
  pollution,
  fc.record(
    {
      name: hostileValue,
      email: hostileValue,
      phone: hostileValue,
      message: hostileValue,
      body: hostileValue,
      clientMsgId: hostileValue,
      resumeToken: hostileValue,
      lastSeq: hostileValue,
      reason: hostileValue,
      isTyping: hostileValue,
      locale: hostileValue,
      identityHash: hostileValue,
      action: hostileValue,
    },
    { requiredKeys: [] },
  ),
);

describe('fuzzing every entry point with hostile payloads', () => {
  let attacker: CustomerSocket;
  let attached: CustomerSocket;
  let started: ChatStarted;
  const adminToken = newAdminToken();

  const db = usePglite();
  const node = useTestNode(db, { ADMIN_TOKEN: adminToken });
  beforeAll(async () => {
    attacker = await connectCustomer(node().url);
    attached = await connectCustomer(node().url);
    const contact = uniqueContact();
    started = await requestOk<ChatStarted>(attached, 'chat:start', { name: contact.name, email: contact.email, phone: contact.phone });
  });
  afterAll(async () => {
    attacker?.disconnect();
    attached?.disconnect();
  });

  async function rowCounts() {
    const tables = [clients, tickets, chatSessions, chatMessages] as const;
    return Promise.all(tables.map(async (table) => (await db().handle.db.select({ n: count() }).from(table))[0]!.n));
  }

  function expectContractError(result: { ok: boolean; error?: { code: unknown; message: unknown } }) {
    expect(result.ok).toBe(false);
    expect(ERROR_CODES).toContain(result.error!.code);
    expect(result.error!.code).not.toBe('INTERNAL');
    expect(typeof result.error!.message).toBe('string');
  }

  it('socket events: an error in the contract’s shape, no crash, no row written, no pollution', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('chat:start', 'chat:resume', 'message:send', 'chat:close', 'typing', 'unknown:event'),
        payload,
        fc.boolean(),
        async (event, body, onAttachedSocket) => {
          const socket = onAttachedSocket ? attached : attacker;
          const before = await rowCounts();
          if (event === 'typing' || event === 'unknown:event') {
            (socket.emit as (e: string, ...a: unknown[]) => void)(event, body);
            return;
          }
          const result = await request(socket, event, body);
          if (result.ok) {
            // Only an attached socket's close, or a send that happens to be valid, may succeed.
            expect(['chat:close', 'message:send', 'chat:start']).toContain(event);
            return;
          }
          expectContractError(result);
          expect(await rowCounts()).toEqual(before);
        },
      ),
      { numRuns: 300 },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(attacker.connected).toBe(true);
  });

  it('HTTP chat API: 4xx with { error: { code, message } }, never 500, nothing written on refusal', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('PUT', 'POST', 'PATCH', 'GET'),
        payload,
        fc.oneof(hostileString, fc.constant(started.resumeToken), fc.constant(undefined)),
        fc.boolean(),
        async (method, body, token, rawText) => {
          const before = await rowCounts();
          let serialized: string | undefined;
          try {
            serialized = method === 'GET' ? undefined : rawText && typeof body === 'string' ? body : JSON.stringify(body);
          } catch {
            serialized = '{"not": json';
          }
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (typeof token === 'string' && /^[\x21-\x7e]*$/.test(token) && token.length < 8000) headers.authorization = `Bearer ${token}`;
          const afterSeq = typeof body === 'string' || typeof body === 'number' ? encodeURIComponent(String(body)).slice(0, 200) : 'x';
          const res = await fetch(`${node().url}/api/chat${method === 'GET' ? `?afterSeq=${afterSeq}` : ''}`, {
            method,
            headers,
            body: serialized,
          });
          if (res.status < 300) return; // a valid call (e.g. GET with the real token)
          expect(res.status).toBeLessThan(500);
          const answer = await res.json();
          expect(ERROR_CODES).toContain(answer.error.code);
          expect(typeof answer.error.message).toBe('string');
          if (method !== 'POST' && method !== 'PATCH') expect(await rowCounts()).toEqual(before);
        },
      ),
      { numRuns: 200 },
    );
    expect((await fetch(`${node().url}/healthz`)).status).toBe(200);
  });

  it('tRPC agent API: BAD_REQUEST (or a typed error) for any input, never INTERNAL_SERVER_ERROR', { timeout: 120_000 }, async () => {
    // A query's input travels in its URL: past Node's header limit the answer is a 431 in the
    // contract's error shape, which tRPC's client cannot read as its own envelope.
    let lastStatus = 0;
    const agent = agentClient(node().url, adminToken, {
      fetch: async (url, init) => {
        const response = await fetch(url, init);
        lastStatus = response.status;
        return response;
      },
    });
    const calls = [
      (input: unknown) => agent.tickets.list.query(input as never),
      (input: unknown) => agent.tickets.get.query(input as never),
      (input: unknown) => agent.tickets.update.mutate(input as never),
      (input: unknown) => agent.tickets.reply.mutate(input as never),
      (input: unknown) => agent.tickets.create.mutate(input as never),
      (input: unknown) => agent.clients.search.query(input as never),
      (input: unknown) => agent.clients.merge.mutate(input as never),
      (input: unknown) => agent.chats.messages.query(input as never),
      (input: unknown) => agent.metrics.summary.query(input as never),
      (input: unknown) => agent.tickets.note.mutate(input as never), // notes (§8)
      (input: unknown) => agent.cannedResponses.create.mutate(input as never), // canned responses (§8)
      (input: unknown) => agent.cannedResponses.update.mutate(input as never), // canned responses (§8)
    ];
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: calls.length - 1 }), payload, async (which, input) => {
        const outcome = await calls[which]!(input).then(
          () => 'ok',
          (error: { data?: { code?: string } }) => error.data?.code ?? (lastStatus === 431 ? 'URL_TOO_LONG' : 'UNKNOWN'),
        );
        expect(outcome).not.toBe('INTERNAL_SERVER_ERROR');
        expect(outcome).not.toBe('UNKNOWN');
      }),
      { numRuns: 200 },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
