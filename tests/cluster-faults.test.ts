import { eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chatMessages } from '../server/db/schema.js';
import type { ChatStarted, Message } from '../shared/chat.js';
import type { DomainEvent } from '../shared/tickets.js';
import { agentClient, followEvents, newAdminToken } from './support/agent.js';
import {
  connectCustomer,
  request,
  requestOk,
  startChatOn,
  waitForEvent,
  type CustomerSocket,
} from './support/customer.js';
import { openTestPostgres, type TestDatabase } from './support/databases.js';
import { printNodeOutputOnFailure, spawnNode, type NodeProcess } from './support/processNode.js';
import { startRedisServer, type LocalRedis } from '../scripts/dev/redisServer.js';

printNodeOutputOnFailure();

const available = inject('postgresAvailable');

function isMessageEvent(event: DomainEvent): event is DomainEvent & { message: Message } {
  return event.type === 'message.created';
}

/** Resolves once `/readyz` answers `status` (polled: readiness is a state, not an event). */
async function readiness(url: string, status: 200 | 503): Promise<{ failed?: string[]; checks?: Record<string, string> }> {
  for (;;) {
    const res = await fetch(`${url}/readyz`);
    const body = (await res.json()) as { failed?: string[]; checks?: Record<string, string> };
    if (res.status === status) return body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A visitor sending one message after another until told to stop; every answer is kept. */
class SteadyVisitor {
  acked: Message[] = [];
  refusals: unknown[] = [];
  private stopped = false;
  private waiters: { count: number; resolve: () => void }[] = [];
  readonly done: Promise<void>;

  constructor(
    readonly socket: CustomerSocket,
    readonly started: ChatStarted,
  ) {
    this.done = this.run();
  }

  private async run() {
    for (let n = 1; !this.stopped; n++) {
      const ack = await request<Message>(this.socket, 'message:send', { body: `msg ${n}`, clientMsgId: `m-${n}` });
      if (ack.ok) this.acked.push(ack.data);
      else this.refusals.push(ack.error);
      for (const waiter of [...this.waiters]) {
        if (this.acked.length >= waiter.count) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    }
  }

  /** Resolves once `more` further messages have been acknowledged. */
  acks(more: number): Promise<void> {
    const count = this.acked.length + more;
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  stop() {
    this.stopped = true;
    return this.done;
  }
}

async function expectEveryAckStoredOnce(database: TestDatabase, visitor: SteadyVisitor) {
  const rows = await database.handle.db.select().from(chatMessages).where(eq(chatMessages.sessionId, visitor.started.sessionId));
  const seqs = rows.map((row) => row.seq).sort((a, b) => a - b);
  expect(seqs).toEqual(Array.from({ length: rows.length }, (_, i) => i + 1));
  const byId = new Map(rows.map((row) => [row.id, row]));
  for (const message of visitor.acked) expect(byId.get(message.id)?.clientMsgId).toBe(message.clientMsgId);
}

describe.skipIf(!available)('cluster faults: two nodes on one Redis', () => {
  let database: TestDatabase;
  let redis: LocalRedis;
  let nodes: NodeProcess[] = [];
  const adminToken = newAdminToken();
  const env = () => ({ DATABASE_URL: database.url!, REDIS_URL: redis.url, ADMIN_TOKEN: adminToken, LOG_LEVEL: 'info' });

  beforeAll(async () => {
    [database, redis] = await Promise.all([openTestPostgres(), startRedisServer()]);
    nodes = await Promise.all([spawnNode(env()), spawnNode(env()), spawnNode(env())]);
  });
  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await redis?.stop();
    await database?.close();
  });

  it('redis-server killed and started again while visitors send on two nodes: both stay up and acknowledge throughout', async () => {
    const [a, b] = nodes as [NodeProcess, NodeProcess];
    const visitors = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const { socket, started } = await startChatOn((i % 2 ? b : a).url);
        return new SteadyVisitor(socket, started);
      }),
    );
    await Promise.all(visitors.map((visitor) => visitor.acks(3)));

    // Killed mid-burst: publishes in flight fail with "Connection is closed.".
    await redis.stop();
    for (const node of [a, b]) expect((await readiness(node.url, 503)).failed).toEqual(['redis']);
    // Every visitor, on either node, keeps being acknowledged during the outage.
    await Promise.all(visitors.map((visitor) => visitor.acks(5)));

    await redis.start();
    for (const node of [a, b]) expect((await readiness(node.url, 200)).checks).toMatchObject({ redis: 'ok' });
    await Promise.all(visitors.map((visitor) => visitor.acks(3)));
    await Promise.all(visitors.map((visitor) => visitor.stop()));

    for (const node of [a, b]) {
      expect(node.child.exitCode, node.output()).toBeNull();
      expect(node.output()).not.toMatch(/TypeError|uncaught|unhandled/i);
      expect(node.output()).toContain('Redis is back');
    }
    for (const visitor of visitors) {
      expect(visitor.refusals).toEqual([]);
      await expectEveryAckStoredOnce(database, visitor);
    }

    // Fan-out is back: a message sent on A reaches the same chat's socket on B, and an agent on B.
    const onA = visitors[0]!;
    const onB = await connectCustomer(b.url);
    await requestOk(onB, 'chat:resume', { resumeToken: onA.started.resumeToken, lastSeq: onA.acked.at(-1)!.seq });
    const follower = followEvents(agentClient(b.url, adminToken), { ticketId: onA.started.ticketId });
    await follower.started;
    const crossNode = waitForEvent<Message>(onB, 'message:new', (m) => m.clientMsgId === 'after-outage');
    const sent = await requestOk<Message>(onA.socket, 'message:send', { body: 'de volta', clientMsgId: 'after-outage' });
    expect(await crossNode).toEqual(sent);
    expect(await follower.next((e) => isMessageEvent(e) && e.message.id === sent.id)).toBeTruthy();
    follower.stop();
    onB.disconnect();
    for (const visitor of visitors) visitor.socket.disconnect();
  });

  it('garbage published on the event channel is ignored and the nodes stay up', async () => {
    const [a, b] = nodes as [NodeProcess, NodeProcess];
    const raw = new Redis(redis.url);
    for (const payload of ['null', '42', '{"event":"x"}', '{"event":{"type":5}}', '{"origin":1,"event":{"type":"message.created"}}', 'not json']) {
      await raw.publish('atende:events', payload);
    }
    await raw.quit();
    const follower = followEvents(agentClient(b.url, adminToken));
    await follower.started;
    const { socket, started } = await startChatOn(a.url);
    expect(await follower.next((e) => e.type === 'ticket.created' && e.ticketId === started.ticketId)).toBeTruthy();
    follower.stop();
    socket.disconnect();
    for (const node of [a, b]) expect(node.child.exitCode, node.output()).toBeNull();
  });

  it('a draining node disconnects only its own sockets, not the other nodes’ visitors', async () => {
    const [a, b, c] = nodes as [NodeProcess, NodeProcess, NodeProcess];
    const { socket: onA } = await startChatOn(a.url);
    const { socket: onB, started } = await startChatOn(b.url);
    const onC = await connectCustomer(c.url);
    await requestOk(onC, 'chat:resume', { resumeToken: started.resumeToken });
    const disconnects: string[] = [];
    onB.on('disconnect', (reason) => disconnects.push(`B: ${reason}`));
    onC.on('disconnect', (reason) => disconnects.push(`C: ${reason}`));
    const aWentAway = waitForEvent<string>(onA, 'disconnect');

    expect(await a.stop('SIGTERM')).toBe(0);
    expect(await aWentAway).toBe('io server disconnect');
    // Whatever A broadcast while draining reached Redis before A exited, so it reaches B before
    // this message from C does (one subscriber connection, in publish order).
    const arrived = waitForEvent<Message>(onB, 'message:new', (m) => m.clientMsgId === 'after-drain');
    const sent = await requestOk<Message>(onC, 'message:send', { body: 'ainda aqui', clientMsgId: 'after-drain' });
    expect(await arrived).toEqual(sent);
    expect(disconnects).toEqual([]);
    expect(onB.connected && onC.connected).toBe(true);
    for (const socket of [onB, onC]) socket.disconnect();
    nodes[0] = await spawnNode(env());
  });
});

describe.skipIf(!available)('REDIS_PREFIX: two clusters on one Redis do not hear each other', () => {
  let database: TestDatabase;
  let redis: LocalRedis;
  let x: NodeProcess[] = [];
  let y: NodeProcess[] = [];
  const adminToken = newAdminToken();

  beforeAll(async () => {
    [database, redis] = await Promise.all([openTestPostgres(), startRedisServer()]);
    // One database too, so the clusters' room names and tickets are the same: only the prefix keeps
    // their Redis traffic apart (the database's event log they share by construction).
    const env = (prefix: string) => ({
      DATABASE_URL: database.url!,
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      ADMIN_TOKEN: adminToken,
      RATE_CHAT_STARTS_PER_MINUTE: '3',
    });
    const started = await Promise.all([spawnNode(env('prod')), spawnNode(env('prod')), spawnNode(env('staging')), spawnNode(env('staging'))]);
    x = started.slice(0, 2);
    y = started.slice(2);
  });
  afterAll(async () => {
    await Promise.all([...x, ...y].map((node) => node.stop()));
    await redis?.stop();
    await database?.close();
  });

  it('room broadcasts, events, drains and rate limits stay inside their own cluster', async () => {
    const [x1, x2] = x as [NodeProcess, NodeProcess];
    const [y1, y2] = y as [NodeProcess, NodeProcess];
    // One chat with a socket on every node of both clusters.
    const { socket: onX1, started } = await startChatOn(x1.url);
    const [onX2, onY1, onY2] = await Promise.all([x2, y1, y2].map((node) => connectCustomer(node.url)));
    for (const socket of [onX2!, onY1!, onY2!]) await requestOk(socket, 'chat:resume', { resumeToken: started.resumeToken });
    const yEvents = followEvents(agentClient(y1.url, adminToken));
    const xEvents = followEvents(agentClient(x2.url, adminToken), { ticketId: started.ticketId });
    await Promise.all([yEvents.started, xEvents.started]);
    const seenOnY1: Message[] = [];
    onY1!.on('message:new', (message) => seenOnY1.push(message));
    const disconnectsOnY: string[] = [];
    for (const socket of [onY1!, onY2!]) socket.on('disconnect', (reason) => disconnectsOnY.push(reason));

    // Sent in cluster X: X's other node hears it (socket and agent stream)…
    const inX = waitForEvent<Message>(onX2!, 'message:new', (m) => m.clientMsgId === 'in-x');
    const fromX = await requestOk<Message>(onX1, 'message:send', { body: 'prod', clientMsgId: 'in-x' });
    expect(await inX).toEqual(fromX);
    await xEvents.next((e) => isMessageEvent(e) && e.message.id === fromX.id);
    // …and cluster Y, hearing a later message of its own through the same Redis, never heard X's.
    const inY = waitForEvent<Message>(onY1!, 'message:new', (m) => m.clientMsgId === 'in-y');
    const fromY = await requestOk<Message>(onY2!, 'message:send', { body: 'staging', clientMsgId: 'in-y' });
    expect(await inY).toEqual(fromY);
    await yEvents.next((e) => isMessageEvent(e) && e.message.id === fromY.id);
    expect(seenOnY1.map((m) => m.clientMsgId)).toEqual(['in-y']);
    // Agent events: facts are replayed from the database's event log, which these clusters share
    // by construction (PROTOCOL §13); what rides only the bus is typing. X's visitor typing
    // reaches X's agents and never Y's, while Y's own does.
    const typingOf = (events: DomainEvent[]) => events.flatMap((e) => (e.type === 'chat.typing' ? [e.isTyping] : []));
    onX1.emit('typing', { isTyping: true });
    await xEvents.next((e) => e.type === 'chat.typing' && e.isTyping);
    onY2!.emit('typing', { isTyping: false });
    await yEvents.next((e) => e.type === 'chat.typing' && !e.isTyping);
    expect(typingOf(yEvents.events)).toEqual([false]);

    // Rate limits: X's visitors spending the address's chat starts (3, one already) leave Y's allowance whole.
    for (let i = 0; i < 2; i++) await startChatOn(x1.url).then(({ socket }) => socket.disconnect());
    const refused = await connectCustomer(x2.url);
    expect(await request(refused, 'chat:start', { name: 'Ana', email: 'ana.limit@example.com', phone: '(11) 91234-0000' })).toMatchObject({
      ok: false,
      error: { code: 'RATE_LIMITED' },
    });
    refused.disconnect();
    await startChatOn(y1.url).then(({ socket }) => socket.disconnect());

    // X's node drains: Y's sockets stay.
    expect(await x1.stop('SIGTERM')).toBe(0);
    const afterDrain = waitForEvent<Message>(onY1!, 'message:new', (m) => m.clientMsgId === 'after-x-drain');
    await requestOk(onY2!, 'message:send', { body: 'ainda', clientMsgId: 'after-x-drain' });
    await afterDrain;
    expect(disconnectsOnY).toEqual([]);
    yEvents.stop();
    xEvents.stop();
    for (const socket of [onX1, onX2!, onY1!, onY2!]) socket.disconnect();
  });
});
