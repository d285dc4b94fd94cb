import type { AgentEvent } from '../shared/events.js';
import { createHmac, randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { asc, eq, inArray } from 'drizzle-orm';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { parseAutomations } from '../server/automations/automationsConfig.js';
import { startWebhookDispatcher, type WebhookDispatcher } from '../server/integrations/webhooks/dispatcher.js';
import { postWebhookOnce, retryDelayMs } from '../server/integrations/webhooks/request.js';
import { signWebhookBody, verifyWebhookSignature } from '../server/integrations/webhooks/signature.js';
import { webhookDeliveries } from '../server/db/schema.js';
import { createInMemoryEventBus } from '../server/events/bus.js';
import { createLogger } from '../server/logger.js';
import type { AtendeNode } from '../server/main.js';
import type { WebhookDeliveryState } from '../server/repositories/webhookDeliveries.js';
import type { ChatStarted, Message } from '../shared/chat.js';
import type { DomainEvent, EventOf } from '../shared/events.js';
import { agentClient, expectTrpcError, followEvents, newAdminToken } from './support/agent.js';
import { connectCustomer, newClientMsgId, requestOk, uniqueContact, type CustomerSocket } from './support/customer.js';
import { describeOnEachDriver, openTestPostgres, type TestDatabase } from './support/databases.js';
import { startTestNode } from './support/node.js';
import { freePort, startRedisServer, type LocalRedis } from '../scripts/dev/redisServer.js';
import { startWebhookReceiver, type ReceivedHook, type WebhookReceiver } from './support/webhookReceiver.js';

const SECRET = 'segredo-da-loja-123';
/**
 * Short backoff, patient attempts: tests count attempts of receivers that answer at once, and on
 * a busy machine a tight timeout would fire spuriously and add a retry (a second delivery).
 */
const FAST_RETRY = { baseDelayMs: 20, attempts: 4, timeoutMs: 5000 };

/** Closes what a test opened, last first, whether it passed or not. */
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiver(respond: Parameters<typeof startWebhookReceiver>[0]): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver(respond);
  cleanups.push(() => started.close());
  return started;
}

/** What a receiver does, written independently of the server's helper: HMAC over the raw bytes. */
function expectSigned(hook: ReceivedHook, secret = SECRET) {
  const expected = `sha256=${createHmac('sha256', secret).update(hook.raw).digest('hex')}`;
  expect(hook.headers['x-atende-signature']).toBe(expected);
  expect(hook.headers['content-type']).toBe('application/json');
  expect(hook.headers['x-atende-event']).toBe(hook.body.type);
  expect(hook.headers['x-atende-delivery']).toBe(hook.body.id);
  expect(hook.body.data.type).toBe(hook.body.type);
  expect(hook.body.data.ticketId).toBe(hook.body.ticketId);
  expect(new Date(hook.body.at).toISOString()).toBe(hook.body.at);
}

/** Every delivery state the node logs, kept so a test can wait for one without sleeping. */
function followLog(webhooks: Pick<WebhookDispatcher, 'onLogged'>) {
  const states: WebhookDeliveryState[] = [];
  const waiters = new Set<{ predicate: (state: WebhookDeliveryState) => boolean; resolve: (state: WebhookDeliveryState) => void }>();
  const stop = webhooks.onLogged((state) => {
    states.push(state);
    for (const waiter of [...waiters]) {
      if (waiter.predicate(state)) {
        waiters.delete(waiter);
        waiter.resolve(state);
      }
    }
  });
  cleanups.push(stop);
  return {
    states,
    next(predicate: (state: WebhookDeliveryState) => boolean): Promise<WebhookDeliveryState> {
      const seen = states.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.add({ predicate, resolve }));
    },
  };
}

async function startChat(node: AtendeNode, message?: string) {
  const socket = await connectCustomer(node.url);
  cleanups.push(() => socket.disconnect());
  const contact = uniqueContact();
  const started = await requestOk<ChatStarted>(socket, 'chat:start', {
    name: contact.name,
    email: contact.email,
    phone: contact.phone,
    ...(message ? { message } : {}),
  });
  return { socket, started };
}

function say(socket: CustomerSocket, body: string) {
  return requestOk<Message>(socket, 'message:send', { body, clientMsgId: newClientMsgId() });
}

describe('webhook signature, attempts and backoff', () => {
  it('verifies the exact bytes only, in constant time', () => {
    const body = JSON.stringify({ id: randomUUID(), type: 'chat.closed', texto: 'ação' });
    const signature = signWebhookBody(body, SECRET);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(Buffer.from(body), SECRET, signature)).toBe(true);
    expect(verifyWebhookSignature(body.replace('ação', 'acao'), SECRET, signature)).toBe(false);
    expect(verifyWebhookSignature(body, 'outro-segredo', signature)).toBe(false);
    expect(verifyWebhookSignature(body, SECRET, undefined)).toBe(false);
    expect(verifyWebhookSignature(body, SECRET, 'sha256=00')).toBe(false);
  });

  it('doubles the delay per failed attempt, keeping at least half of it as jitter allows', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 1000, () => 0))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 1000, () => 1))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(30, 1000, () => 1)).toBe(5 * 60_000);
  });

  it('times out an attempt to a receiver that never answers, even when garbage is collected meanwhile', async () => {
    // On Node 20 a timeout signal inside AbortSignal.any() can be collected and never fire
    // (nodejs/node#57736); a forced collection while the request hangs shows the attempt's own
    // timer does not depend on it.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const hooks = await receiver(() => 'hang');
    // Long enough for the request to reach the receiver on a busy machine before it times out.
    const attempt = postWebhookOnce(hooks.url, '{}', {}, { timeoutMs: 3000, signal: new AbortController().signal });
    const arrived = await Promise.race([hooks.until(() => hooks.hanging() === 1).then(() => true), attempt.then(() => false)]);
    expect(arrived, 'the request reached the receiver before its timeout').toBe(true);
    gc();
    expect(await attempt).toEqual({ ok: false, statusCode: null, error: 'timeout: no answer within 3000 ms' });
    await hooks.until(() => hooks.abandoned() === 1);
  });

  it('stops an attempt at once when the node stops', async () => {
    const hooks = await receiver(() => 'hang');
    const stop = new AbortController();
    const attempt = postWebhookOnce(hooks.url, '{}', {}, { timeoutMs: 60_000, signal: stop.signal });
    await hooks.until(() => hooks.hanging() === 1);
    stop.abort();
    expect(await attempt).toEqual({ ok: false, statusCode: null, error: 'aborted: the node stopped' });
  });
});

describeOnEachDriver('webhooks', (db) => {
  async function startNode(automations: unknown, env: Record<string, string> = {}) {
    const node = await startTestNode(db().handle, env, { automations: parseAutomations(automations) });
    cleanups.push(() => node.stop());
    return node;
  }

  const rowsOfTicket = (ticketId: string) =>
    db().handle.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.ticketId, ticketId)).orderBy(asc(webhookDeliveries.createdAt));

  it("POSTs a chat's listed events signed with the secret, with the headers, and logs them delivered", async () => {
    const hooks = await receiver(() => 204);
    const node = await startNode({
      webhooks: [{ url: `${hooks.url}/hooks/atende?token=abc#x`, secret: SECRET, events: ['ticket.created', 'message.created', 'chat.closed'] }],
      webhookRetry: FAST_RETRY,
    });
    const { socket, started } = await startChat(node, 'Oi, meu pedido não chegou');
    await say(socket, 'Número 4521');
    await requestOk(socket, 'chat:close', {});

    const ofTicket = () => hooks.received.filter((hook) => hook.body.ticketId === started.ticketId);
    await hooks.until(() => ofTicket().length >= 4);
    // Closing the chat also resolves the ticket (`ticket.updated`), which this webhook does not list.
    await node.webhooks.idle();
    expect(ofTicket().map((hook) => hook.body.type).sort()).toEqual(['chat.closed', 'message.created', 'message.created', 'ticket.created']);
    for (const hook of ofTicket()) {
      expectSigned(hook);
      expect(hook.path).toBe('/hooks/atende?token=abc');
      expect(hook.body.ticketNumber).toBe(started.ticketNumber);
      expect(verifyWebhookSignature(hook.raw, 'outro-segredo', hook.headers['x-atende-signature'] as string)).toBe(false);
    }
    const created = ofTicket().find((hook) => hook.body.type === 'ticket.created')!;
    expect(created.body.data).toMatchObject({
      source: 'chat',
      sessionId: started.sessionId,
      clientId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      returningClient: false,
      matchedBy: 'new',
    });
    const messages = ofTicket().filter((hook) => hook.body.type === 'message.created');
    expect(messages.map((hook) => (hook.body.data as EventOf<'message.created'>).message.body).sort()).toEqual(['Número 4521', 'Oi, meu pedido não chegou']);
    expect(ofTicket().find((hook) => hook.body.type === 'chat.closed')!.body.data).toMatchObject({ reason: 'client' });

    const rows = await rowsOfTicket(started.ticketId);
    expect(rows.map((row) => row.id).sort()).toEqual(ofTicket().map((hook) => hook.body.id).sort());
    for (const row of rows) {
      expect(row).toMatchObject({
        // Credentials, query and fragment stay out of the log agents read.
        webhookUrl: `${hooks.url}/hooks/atende`,
        ticketNumber: started.ticketNumber,
        status: 'delivered',
        attempts: 1,
        lastStatusCode: 204,
        lastError: null,
      });
      expect(row.deliveredAt).toBeInstanceOf(Date);
    }
  });

  it('retries a failing receiver with backoff until it answers 2xx, with the same signed body', async () => {
    const hooks = await receiver((hook) => (hook.n <= 2 ? 500 : 200));
    const node = await startNode({
      webhooks: [{ url: hooks.url, secret: SECRET, events: ['ticket.created'] }],
      webhookRetry: FAST_RETRY,
    });
    const log = followLog(node.webhooks);
    const { started } = await startChat(node);

    const delivered = await log.next((state) => state.ticketId === started.ticketId && state.status === 'delivered');
    expect(delivered).toMatchObject({ attempts: 3, lastStatusCode: 200, lastError: null });
    expect(hooks.received).toHaveLength(3);
    for (const hook of hooks.received) {
      expectSigned(hook);
      expect(hook.raw.equals(hooks.received[0]!.raw)).toBe(true);
      expect(hook.body.id).toBe(delivered.id);
    }
    // Backoff: at least half of 20 ms, then at least half of 40 ms (timers never fire early).
    const [first, second, third] = hooks.received.map((hook) => hook.at) as [number, number, number];
    expect(second - first).toBeGreaterThanOrEqual(9);
    expect(third - second).toBeGreaterThanOrEqual(19);

    const [row] = await rowsOfTicket(started.ticketId);
    expect(row).toMatchObject({ id: delivered.id, status: 'delivered', attempts: 3, lastStatusCode: 200, lastError: null, eventType: 'ticket.created' });
  });

  it('gives up after the last attempt on an error status or an unreachable receiver, and says why', async () => {
    const failing = await receiver(() => 503);
    const deadPort = await freePort();
    const node = await startNode({
      webhooks: [
        { url: failing.url, secret: SECRET, events: ['ticket.created'] },
        { url: `http://127.0.0.1:${deadPort}/hook`, secret: SECRET, events: ['ticket.created'] },
      ],
      webhookRetry: { ...FAST_RETRY, attempts: 3 },
    });
    const log = followLog(node.webhooks);
    const { started } = await startChat(node);
    const failed = (url: string) =>
      log.next((state) => state.ticketId === started.ticketId && state.webhookUrl.startsWith(url) && state.status === 'failed');
    expect(await failed(failing.url)).toMatchObject({ attempts: 3, lastStatusCode: 503, lastError: 'HTTP 503' });
    const unreachable = await failed(`http://127.0.0.1:${deadPort}`);
    expect(unreachable).toMatchObject({ attempts: 3, lastStatusCode: null });
    expect(unreachable.lastError).toMatch(/ECONNREFUSED/);
    expect(failing.received).toHaveLength(3);
    const rows = await rowsOfTicket(started.ticketId);
    expect(rows.map((row) => [row.status, row.attempts]).sort()).toEqual([
      ['failed', 3],
      ['failed', 3],
    ]);
  });

  it('a receiver that never answers does not delay ten chats; its deliveries time out and are logged failed', async () => {
    const hooks = await receiver(() => 'hang');
    // Long enough that ten chats end well within it even on a loaded machine: the chats not
    // waiting is shown by their ending before any delivery gave up, not by a stopwatch. (8 s
    // was not: with a benchmark beside three test files, forty requests took longer.)
    const timeoutMs = 30_000;
    const node = await startNode({
      webhooks: [{ url: hooks.url, secret: SECRET, events: ['ticket.created', 'message.created', 'chat.closed'] }],
      webhookRetry: { attempts: 1, baseDelayMs: 20, timeoutMs },
    });
    const log = followLog(node.webhooks);

    const ackMs: number[] = [];
    const timed = async <T>(call: Promise<T>): Promise<T> => {
      const start = performance.now();
      const result = await call;
      ackMs.push(performance.now() - start);
      return result;
    };
    const ticketIds = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const { socket, started } = await timed(startChat(node, `Olá, sou o cliente ${i}`));
        await timed(say(socket, 'Quero saber do meu pedido'));
        await timed(say(socket, 'Obrigado'));
        await timed(requestOk(socket, 'chat:close', {}));
        return started.ticketId;
      }),
    );
    // Every chat finished while the receiver held its first requests: none has timed out yet.
    expect(hooks.abandoned()).toBe(0);
    expect(ackMs).toHaveLength(40);
    expect(Math.max(...ackMs)).toBeLessThan(timeoutMs);

    // The receiver holds as many requests as the webhook sends at once; the rest wait their turn.
    await hooks.until(() => hooks.hanging() === 4);
    const failed = await log.next((state) => ticketIds.includes(state.ticketId) && state.status === 'failed');
    expect(failed).toMatchObject({ attempts: 1, lastStatusCode: null });
    expect(failed.lastError).toMatch(/^timeout/);
    // The attempt was given up by the sender, as the receiver saw.
    await hooks.until(() => hooks.abandoned() >= 1);
    const [row] = await db().handle.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, failed.id));
    expect(row).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: null, lastError: failed.lastError });
    // Nothing got through, and nothing was lost track of: every event has its row.
    const rows = await db().handle.db.select().from(webhookDeliveries).where(inArray(webhookDeliveries.ticketId, ticketIds));
    expect(rows.length).toBe(50);
    expect(rows.filter((r) => r.status === 'delivered')).toEqual([]);
  });

  it('beyond the queue bound drops the oldest waiting delivery and logs it failed; stopping fails the rest', async () => {
    const hooks = await receiver(() => 'hang');
    const bus = createInMemoryEventBus();
    const dispatcher = startWebhookDispatcher(
      {
        automations: parseAutomations({ webhooks: [{ url: hooks.url, secret: SECRET, events: ['ticket.updated'] }], webhookRetry: { timeoutMs: 60_000 } }),
        bus,
        db: db().handle.db,
        logger: createLogger('silent'),
      },
      { maxQueue: 2, concurrency: 1, stopGraceMs: 0 },
    );
    cleanups.push(() => dispatcher.stop());
    const log = followLog(dispatcher);
    const events: AgentEvent[] = Array.from({ length: 5 }, (_, i) => ({
      eventId: String(900_000 + i),
      type: 'ticket.updated',
      ticketId: randomUUID(),
      ticketNumber: 900_000 + i,
      at: new Date().toISOString(),
      changes: { status: { from: 'OPEN', to: 'PENDING' } },
    }));
    for (const event of events) bus.publish(event);
    const [first, second, third, fourth, fifth] = events.map((event) => event.ticketId) as [string, string, string, string, string];

    for (const dropped of [second, third]) {
      const state = await log.next((s) => s.ticketId === dropped && s.status === 'failed');
      expect(state).toMatchObject({ attempts: 0, lastError: expect.stringMatching(/^dropped/) });
    }
    await hooks.until(() => hooks.hanging() === 1);
    expect(hooks.received.map((hook) => hook.body.ticketId)).toEqual([first]);

    await dispatcher.stop();
    const rows = await db().handle.db.select().from(webhookDeliveries).where(inArray(webhookDeliveries.ticketId, events.map((e) => e.ticketId)));
    const byTicket = new Map(rows.map((row) => [row.ticketId, row]));
    expect(rows.every((row) => row.status === 'failed')).toBe(true);
    expect(byTicket.get(first)).toMatchObject({ attempts: 1, lastError: expect.stringMatching(/node stopped/) });
    for (const waiting of [fourth, fifth]) expect(byTicket.get(waiting)).toMatchObject({ attempts: 0, lastError: 'not sent: the node stopped' });
  });

  it('webhooks.deliveries lists the log newest first, filtered and paged, for agents only', async () => {
    const adminToken = newAdminToken();
    const hooks = await receiver(() => 200);
    const node = await startNode(
      { webhooks: [{ url: hooks.url, secret: SECRET, events: ['ticket.created', 'message.created'] }], webhookRetry: FAST_RETRY },
      { ADMIN_TOKEN: adminToken },
    );
    const admin = agentClient(node.url, adminToken);
    const { socket, started } = await startChat(node, 'primeira');
    await say(socket, 'segunda');
    await say(socket, 'terceira');
    await node.webhooks.idle();

    const page = await admin.webhooks.deliveries.query({ ticketId: started.ticketId });
    expect(page.nextCursor).toBeNull();
    expect(page.items).toHaveLength(4);
    expect(page.items.map((item) => item.eventType).sort()).toEqual(['message.created', 'message.created', 'message.created', 'ticket.created']);
    for (const item of page.items) {
      expect(item).toMatchObject({ ticketId: started.ticketId, ticketNumber: started.ticketNumber, status: 'delivered', attempts: 1, lastStatusCode: 200, webhookUrl: `${hooks.url}/` });
    }
    const keys = page.items.map((item) => [item.createdAt, item.id].join(' '));
    expect(keys).toEqual([...keys].sort().reverse());

    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const next: Awaited<ReturnType<typeof admin.webhooks.deliveries.query>> = await admin.webhooks.deliveries.query({ ticketId: started.ticketId, limit: 1, cursor });
      expect(next.items.length).toBeLessThanOrEqual(1);
      walked.push(...next.items.map((item) => item.id));
      cursor = next.nextCursor;
    } while (cursor);
    expect(walked).toEqual(page.items.map((item) => item.id));

    expect((await admin.webhooks.deliveries.query({ ticketId: started.ticketId, status: 'failed' })).items).toEqual([]);
    expect((await admin.webhooks.deliveries.query({ status: 'delivered', limit: 2 })).items).toHaveLength(2);
    expect((await admin.webhooks.deliveries.query()).items.length).toBeGreaterThanOrEqual(4);
    await expectTrpcError(admin.webhooks.deliveries.query({ limit: 101 }), 'BAD_REQUEST');
    await expectTrpcError(admin.webhooks.deliveries.query({ cursor: 'not-a-cursor' }), 'BAD_REQUEST');
    await expectTrpcError(agentClient(node.url).webhooks.deliveries.query({}), 'UNAUTHORIZED');
    await expectTrpcError(agentClient(node.url, 'wrong-token').webhooks.deliveries.query({}), 'UNAUTHORIZED');
  });
});

describe.skipIf(!inject('postgresAvailable'))('webhooks on two nodes sharing Redis', () => {
  let database: TestDatabase | undefined;
  let redis: LocalRedis | undefined;
  afterEach(async () => {
    await redis?.stop();
    await database?.close();
  });

  it('POSTs each event once per cluster: by the node where it happened', async () => {
    [database, redis] = await Promise.all([openTestPostgres(), startRedisServer()]);
    const adminToken = newAdminToken();
    const hooks = await startWebhookReceiver(() => 200);
    const automations = parseAutomations({
      webhooks: [{ url: hooks.url, secret: SECRET, events: ['ticket.created', 'message.created', 'ticket.updated'] }],
      webhookRetry: FAST_RETRY,
    });
    const env = { REDIS_URL: redis.url, ADMIN_TOKEN: adminToken };
    const [nodeA, nodeB] = await Promise.all([
      startTestNode(database.handle, env, { automations }),
      startTestNode(database.handle, env, { automations }),
    ]);
    try {
      const onA = followEvents(agentClient(nodeA.url, adminToken));
      const onB = followEvents(agentClient(nodeB.url, adminToken));
      await Promise.all([onA.started, onB.started]);
      const { started } = await startChat(nodeA, 'Oi');
      await agentClient(nodeB.url, adminToken).tickets.update.mutate({ id: started.ticketId, priority: 'HIGH' });
      // Each node has seen every event: A's from B and B's from A, through Redis.
      const updated = (event: DomainEvent) => event.type === 'ticket.updated' && event.ticketId === started.ticketId;
      const created = (event: DomainEvent) => event.type === 'ticket.created' && event.ticketId === started.ticketId;
      await Promise.all([onA.next(updated), onB.next(created), onB.next((e) => e.type === 'message.created' && e.ticketId === started.ticketId)]);
      onA.stop();
      onB.stop();
      await Promise.all([nodeA.webhooks.idle(), nodeB.webhooks.idle()]);

      const types = hooks.received.filter((hook) => hook.body.ticketId === started.ticketId).map((hook) => hook.body.type);
      expect(types.sort()).toEqual(['message.created', 'ticket.created', 'ticket.updated']);
      for (const hook of hooks.received) expectSigned(hook);
    } finally {
      await Promise.all([nodeA.stop(), nodeB.stop()]);
      await hooks.close();
    }
  });
});
