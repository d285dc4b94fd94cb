import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AtendeNode } from '../server/main.js';
import type { ChatStarted, Message } from '../shared/chat.js';
import { connectCustomer, request, requestOk, uniqueContact, waitForEvent } from './support/customer.js';
import { openTestPglite, type TestDatabase } from './support/databases.js';
import { usePglite, useTestNode } from './support/suite.js';
import { startTestNode } from './support/node.js';
import { startRedisServer, type LocalRedis } from '../scripts/dev/redisServer.js';

/** One sample's value from Prometheus text, 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = (match[2] ?? '').split(',');
    if (wanted.every((label) => present.includes(label))) return Number(match[3]);
  }
  return 0;
}

async function scrape(node: AtendeNode): Promise<string> {
  const response = await fetch(`${node.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return response.text();
}

const start = (socket: Awaited<ReturnType<typeof connectCustomer>>) => {
  const contact = uniqueContact();
  return request<ChatStarted>(socket, 'chat:start', { name: contact.name, email: contact.email, phone: contact.phone });
};

describe('GET /metrics', () => {
  const database = usePglite();
  const node = useTestNode(database, { RATE_CHAT_STARTS_PER_MINUTE: '2' });

  it('names every metric the operator watches, with the Node process metrics', async () => {
    const text = await scrape(node());
    for (const name of [
      'atende_sockets_connected',
      'atende_chats_started_total',
      'atende_intake_duration_seconds',
      'atende_messages_persisted_total',
      'atende_message_batch_size',
      'atende_chat_start_batch_size',
      'atende_socket_ack_duration_seconds',
      'atende_db_transaction_duration_seconds',
      'atende_events_published_total',
      'atende_events_delivered_total',
      'atende_event_bus_lag_seconds',
      'atende_rate_limited_total',
      'atende_webhook_deliveries_total',
      'atende_http_requests_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
  });

  it('moves after a chat: sockets, starts, intake, messages, acks, transactions, events, refusals', async () => {
    const socket = await connectCustomer(node().url);
    const started = await start(socket);
    if (!started.ok) throw new Error(JSON.stringify(started.error));
    const delivered = waitForEvent<Message>(socket, 'message:new');
    await requestOk(socket, 'message:send', { body: 'Olá', clientMsgId: randomUUID() });
    await delivered;
    await start(socket);
    const refused = await start(socket); // the third start in a minute, past RATE_CHAT_STARTS_PER_MINUTE=2
    expect(refused.ok).toBe(false);

    const text = await scrape(node());
    expect(sample(text, 'atende_sockets_connected', { namespace: '/chat' })).toBe(1);
    expect(sample(text, 'atende_chats_started_total')).toBe(2);
    expect(sample(text, 'atende_intake_duration_seconds_count', { outcome: 'ok' })).toBe(2);
    expect(sample(text, 'atende_messages_persisted_total', { sender_type: 'client' })).toBe(1);
    expect(sample(text, 'atende_socket_ack_duration_seconds_count', { event: 'chat:start', outcome: 'ok' })).toBe(2);
    expect(sample(text, 'atende_socket_ack_duration_seconds_count', { event: 'chat:start', outcome: 'RATE_LIMITED' })).toBe(1);
    expect(sample(text, 'atende_socket_ack_duration_seconds_count', { event: 'message:send', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'atende_db_transaction_duration_seconds_count', { operation: 'chat_start', outcome: 'ok' })).toBe(2);
    expect(sample(text, 'atende_db_transaction_duration_seconds_count', { operation: 'message_batch', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'atende_events_published_total', { type: 'ticket.created' })).toBe(2);
    expect(sample(text, 'atende_events_published_total', { type: 'message.created' })).toBe(1);
    expect(sample(text, 'atende_events_delivered_total', { origin: 'local' })).toBe(3);
    expect(sample(text, 'atende_rate_limited_total', { limit: 'start' })).toBe(1);

    socket.disconnect();
  });

  it('gives each HTTP request an id, kept from the proxy when sane, and counts the answers', async () => {
    const own = await fetch(`${node().url}/healthz`);
    expect(own.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const forwarded = await fetch(`${node().url}/healthz`, { headers: { 'X-Request-Id': 'lb-request-12345' } });
    expect(forwarded.headers.get('x-request-id')).toBe('lb-request-12345');
    const hostile = await fetch(`${node().url}/healthz`, { headers: { 'X-Request-Id': 'x'.repeat(300) } });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(sample(await scrape(node()), 'atende_http_requests_total', { method: 'GET', status: '2xx' })).toBeGreaterThanOrEqual(3);
  });
});

describe('GET /metrics across two nodes with Redis', () => {
  let database: TestDatabase;
  let redis: LocalRedis;
  let nodeA: AtendeNode;
  let nodeB: AtendeNode;
  beforeAll(async () => {
    [database, redis] = await Promise.all([openTestPglite(), startRedisServer()]);
    // Two nodes of one process over one embedded database, sharing events through Redis.
    nodeA = await startTestNode(database.handle, { REDIS_URL: redis.url }, { processMetrics: false });
    nodeB = await startTestNode(database.handle, { REDIS_URL: redis.url }, { processMetrics: false });
  });
  afterAll(async () => {
    await nodeA?.stop();
    await nodeB?.stop();
    await redis?.stop();
    await database?.close();
  });

  it('counts events delivered from the other node and their lag', async () => {
    const sender = await connectCustomer(nodeA.url);
    const started = await start(sender);
    if (!started.ok) throw new Error(JSON.stringify(started.error));
    const receiver = await connectCustomer(nodeB.url);
    await requestOk(receiver, 'chat:resume', { resumeToken: started.data.resumeToken });
    const arrived = waitForEvent<Message>(receiver, 'message:new');
    // The event and the room message travel separately: wait for B's bus to hand the event on.
    const heard = new Promise<void>((resolve) => {
      const unsubscribe = nodeB.ctx.bus.subscribe((event, meta) => {
        if (event.type !== 'message.created' || meta.local) return;
        unsubscribe();
        resolve();
      });
    });
    await requestOk(sender, 'message:send', { body: 'across', clientMsgId: randomUUID() });
    await Promise.all([arrived, heard]);

    const text = await scrape(nodeB);
    expect(sample(text, 'atende_events_delivered_total', { origin: 'remote' })).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'atende_event_bus_lag_seconds_count')).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'atende_event_bus_lag_seconds_sum')).toBeLessThan(5);
    expect(sample(text, 'process_resident_memory_bytes')).toBe(0);
    sender.disconnect();
    receiver.disconnect();
  });
});
