import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chatMessages } from '../server/db/schema.js';
import type { ChatStarted, Message } from '../shared/chat.js';
import type { Ack } from '../shared/errors.js';
import { openTestPostgres, type TestDatabase } from './support/databases.js';
import {
  connectCustomer,
  request,
  requestOk,
  requestOkRetrying,
  startChatOn,
  uniqueContact,
  waitForEvent,
  type CustomerSocket,
} from './support/customer.js';
import { printNodeOutputOnFailure, spawnNode, type NodeProcess } from './support/processNode.js';
import { startRedisServer, type LocalRedis } from '../scripts/dev/redisServer.js';
import { startTcpProxy, type TcpProxy } from './support/tcpProxy.js';
import { agentClient, followEvents, newAdminToken } from './support/agent.js';

/** Like `request`, but resolves undefined when the socket drops before the ack arrives. */
function requestOrDrop<T>(socket: CustomerSocket, event: string, payload: unknown): Promise<Ack<T> | undefined> {
  if (!socket.connected) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const onDrop = () => resolve(undefined);
    socket.once('disconnect', onDrop);
    (socket.emit as (e: string, ...a: unknown[]) => void)(event, payload, (ack: Ack<T>) => {
      socket.off('disconnect', onDrop);
      resolve(ack);
    });
  });
}


/** A visitor typing fast: sends until its socket drops, remembering what was acked and what was not. */
class BurstingChat {
  acked = new Map<string, Message>();
  unacked: string[] = [];
  private counter = 0;
  done: Promise<void>;

  constructor(
    readonly socket: CustomerSocket,
    readonly started: ChatStarted,
  ) {
    this.done = this.run();
  }

  private async run() {
    while (this.socket.connected) {
      const clientMsgId = `${this.started.sessionId.slice(0, 8)}-${++this.counter}`;
      const ack = await requestOrDrop<Message>(this.socket, 'message:send', { body: `msg ${this.counter}`, clientMsgId });
      if (ack?.ok) this.acked.set(clientMsgId, ack.data);
      else {
        this.unacked.push(clientMsgId);
        return;
      }
    }
  }

  /** On another node: resume, check every acked message is there once, then retry the unacked. */
  async recoverOn(url: string) {
    const socket = await connectCustomer(url);
    const resumed = await requestOkRetrying(socket, 'chat:resume', { resumeToken: this.started.resumeToken, lastSeq: 0 });
    for (const clientMsgId of this.unacked) {
      const retried = await requestOk<Message>(socket, 'message:send', {
        body: `msg ${clientMsgId.split('-')[1]}`,
        clientMsgId,
      });
      this.acked.set(clientMsgId, retried);
    }
    socket.disconnect();
    return resumed.messages as Message[];
  }
}

async function expectIntact(database: TestDatabase, chats: BurstingChat[]) {
  for (const chat of chats) {
    const rows = await database.handle.db
      .select()
      .from(chatMessages)
      .where(eq(chatMessages.sessionId, chat.started.sessionId));
    const seqs = rows.map((r) => r.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: rows.length }, (_, i) => i + 1));
    expect(new Set(rows.map((r) => r.clientMsgId)).size).toBe(rows.length);
    const stored = new Map(rows.map((r) => [r.clientMsgId, r]));
    for (const [clientMsgId, message] of chat.acked) {
      expect(stored.get(clientMsgId)?.id, clientMsgId).toBe(message.id);
    }
  }
}

printNodeOutputOnFailure();

const available = inject('postgresAvailable');

describe.skipIf(!available)('several nodes on one PostgreSQL and one Redis', () => {
  let database: TestDatabase;
  let redis: LocalRedis;
  let nodeA: NodeProcess;
  let nodeB: NodeProcess;
  const adminToken = newAdminToken();
  const env = () => ({ DATABASE_URL: database.url!, REDIS_URL: redis.url, ADMIN_TOKEN: adminToken });

  beforeAll(async () => {
    [database, redis] = await Promise.all([openTestPostgres(), startRedisServer()]);
    [nodeA, nodeB] = await Promise.all([spawnNode(env()), spawnNode(env())]);
  });
  afterAll(async () => {
    await Promise.all([nodeA?.stop(), nodeB?.stop()]);
    await redis?.stop();
    await database?.close();
  });

  it('two sockets of one session on different nodes both receive every message', async () => {
    const { socket: onA, started } = await startChatOn(nodeA.url);
    const onB = await connectCustomer(nodeB.url);
    await requestOk(onB, 'chat:resume', { resumeToken: started.resumeToken });

    const fromA = waitForEvent<Message>(onB, 'message:new', (m) => m.clientMsgId === 'from-a');
    const sentA = await requestOk<Message>(onA, 'message:send', { body: 'de A', clientMsgId: 'from-a' });
    expect(await fromA).toEqual(sentA);

    const fromB = waitForEvent<Message>(onA, 'message:new', (m) => m.clientMsgId === 'from-b');
    const sentB = await requestOk<Message>(onB, 'message:send', { body: 'de B', clientMsgId: 'from-b' });
    expect(await fromB).toEqual(sentB);

    const closed = waitForEvent(onA, 'chat:closed');
    await requestOk(onB, 'chat:close', {});
    expect(await closed).toEqual({ reason: 'client' });
    onA.disconnect();
    onB.disconnect();
  });

  it('customer on A, agent on B: the subscription on B sees A’s events, and B’s reply reaches the socket on A', async () => {
    const agent = agentClient(nodeB.url, adminToken);
    const { socket, started } = await startChatOn(nodeA.url);
    const follower = followEvents(agent, { ticketId: started.ticketId });
    await follower.started;

    const sent = await requestOk<Message>(socket, 'message:send', { body: 'olá do nó A', clientMsgId: 'a-1' });
    const seen = await follower.next((e) => e.type === 'message.created');
    expect(seen).toMatchObject({ ticketId: started.ticketId, message: { id: sent.id, seq: sent.seq } });

    const arrived = waitForEvent<Message>(socket, 'message:new', (m) => m.senderType === 'agent');
    const reply = await agent.tickets.reply.mutate({ id: started.ticketId, body: 'resposta do nó B', clientMsgId: 'b-1' });
    expect(await arrived).toEqual(reply);

    const updated = waitForEvent(socket, 'ticket:updated');
    await agent.tickets.update.mutate({ id: started.ticketId, status: 'PENDING' });
    expect(await updated).toEqual({ ticketNumber: started.ticketNumber, status: 'PENDING' });
    follower.stop();
    socket.disconnect();
  });

  it('/readyz checks the database and Redis', async () => {
    const ready = await fetch(`${nodeA.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ checks: { database: 'ok', redis: 'ok' } });
  });

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`${signal} during a burst from 20 chats: every acked message survives, once, and the chats resume on the other node`, async () => {
      const chats = await Promise.all(
        Array.from({ length: 20 }, async () => {
          const { socket, started } = await startChatOn(nodeA.url);
          return new BurstingChat(socket, started);
        }),
      );
      // Wait until the burst is well under way (every chat has had acks), then stop node A.
      await new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (chats.every((chat) => chat.acked.size >= 5)) {
            clearInterval(check);
            resolve();
          }
        }, 5);
      });
      const exitCode = await nodeA.stop(signal);
      expect(exitCode).toBe(signal === 'SIGTERM' ? 0 : null);
      await Promise.all(chats.map((chat) => chat.done));

      for (const chat of chats) {
        const before = new Map(chat.acked);
        const resumed = await chat.recoverOn(nodeB.url);
        const resumedIds = new Map(resumed.map((m) => [m.clientMsgId, m]));
        for (const [clientMsgId, message] of before) expect(resumedIds.get(clientMsgId)).toEqual(message);
      }
      await expectIntact(database, chats);
      nodeA = await spawnNode(env());
    });
  }

  it('Redis restarted: local sockets keep being served meanwhile, fan-out comes back without a restart', async () => {
    const { socket: a1, started } = await startChatOn(nodeA.url);
    const a2 = await connectCustomer(nodeA.url);
    await requestOk(a2, 'chat:resume', { resumeToken: started.resumeToken });
    const b1 = await connectCustomer(nodeB.url);
    await requestOk(b1, 'chat:resume', { resumeToken: started.resumeToken });

    await redis.stop();
    const ready = await fetch(`${nodeA.url}/readyz`);
    expect(ready.status).toBe(503);
    expect((await ready.json()).failed).toEqual(['redis']);

    // Same node, Redis down: the message is stored and both local sockets get it.
    const local = waitForEvent<Message>(a2, 'message:new', (m) => m.clientMsgId === 'during-outage');
    const sent = await requestOk<Message>(a1, 'message:send', { body: 'sem redis', clientMsgId: 'during-outage' });
    expect(await local).toEqual(sent);
    // The other node's socket catches up by resuming, as a widget does.
    const caughtUp = await requestOk(b1, 'chat:resume', { resumeToken: started.resumeToken, lastSeq: 0 });
    expect(caughtUp.messages.map((m: Message) => m.id)).toContain(sent.id);

    await redis.start();
    for (const node of [nodeA, nodeB]) {
      await new Promise<void>((resolve) => {
        const poll = async () => {
          const res = await fetch(`${node.url}/readyz`);
          if (res.status === 200) resolve();
          else setTimeout(poll, 50);
        };
        void poll();
      });
    }
    // The adapter's and the bus's subscriptions are back: a message from A reaches the socket
    // on B again, and an agent following the ticket on B.
    const follower = followEvents(agentClient(nodeB.url, adminToken), { ticketId: started.ticketId });
    await follower.started;
    const crossNode = waitForEvent<Message>(b1, 'message:new', (m) => m.clientMsgId === 'after-outage');
    const after = await requestOk<Message>(a1, 'message:send', { body: 'com redis', clientMsgId: 'after-outage' });
    expect(await crossNode).toEqual(after);
    expect(await follower.next((e) => e.type === 'message.created')).toMatchObject({ message: { id: after.id } });
    follower.stop();
    for (const socket of [a1, a2, b1]) socket.disconnect();
  });
});

describe.skipIf(!available)('PostgreSQL unreachable', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let node: NodeProcess;

  beforeAll(async () => {
    database = await openTestPostgres();
    proxy = await startTcpProxy(Number(new URL(database.url!).port || 5432));
    const viaProxy = new URL(database.url!);
    viaProxy.port = String(proxy.port);
    node = await spawnNode({ DATABASE_URL: viaProxy.toString() });
  });
  afterAll(async () => {
    await node?.stop();
    await proxy?.close();
    await database?.close();
  });

  it('answers UNAVAILABLE and 503 naming the database, stays up, and recovers by itself', async () => {
    const { socket, started } = await startChatOn(node.url);
    proxy.block();

    const contact = uniqueContact();
    const refusedStart = await request(socket, 'chat:start', { name: 'X', email: contact.email, phone: contact.phone });
    expect(refusedStart).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    const refusedSend = await request(socket, 'message:send', { body: 'oi', clientMsgId: 'while-down' });
    expect(refusedSend).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    const ready = await fetch(`${node.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ failed: ['database'] });
    const http = await fetch(`${node.url}/api/chat`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'X', email: contact.email, phone: contact.phone }),
    });
    expect(http.status).toBe(503);
    expect(await http.json()).toMatchObject({ error: { code: 'UNAVAILABLE' } });
    expect((await fetch(`${node.url}/healthz`)).status).toBe(200);

    proxy.unblock();
    // The client retries, as the contract asks; the node reconnects on its own.
    let retried = await request<Message>(socket, 'message:send', { body: 'oi', clientMsgId: 'while-down' });
    while (!retried.ok && retried.error.code === 'UNAVAILABLE') {
      retried = await request<Message>(socket, 'message:send', { body: 'oi', clientMsgId: 'while-down' });
    }
    expect(retried).toMatchObject({ ok: true, data: { seq: 1, sessionId: started.sessionId } });
    expect((await fetch(`${node.url}/readyz`)).status).toBe(200);
    socket.disconnect();
  });
});

describe.skipIf(!available)('sharded pub/sub (REDIS_SHARDED=1, Redis 7)', () => {
  let database: TestDatabase;
  let redis: LocalRedis;
  let nodes: NodeProcess[] = [];

  beforeAll(async () => {
    [database, redis] = await Promise.all([openTestPostgres(), startRedisServer()]);
    const env = { DATABASE_URL: database.url!, REDIS_URL: redis.url, REDIS_SHARDED: '1' };
    nodes = await Promise.all([spawnNode(env), spawnNode(env)]);
  });
  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await redis?.stop();
    await database?.close();
  });

  it('fans a session’s messages out across nodes', async () => {
    const { socket: onA, started } = await startChatOn(nodes[0]!.url);
    const onB = await connectCustomer(nodes[1]!.url);
    await requestOk(onB, 'chat:resume', { resumeToken: started.resumeToken });
    const arrived = waitForEvent<Message>(onB, 'message:new', (m) => m.clientMsgId === 'sharded');
    const sent = await requestOk<Message>(onA, 'message:send', { body: 'shard', clientMsgId: 'sharded' });
    expect(await arrived).toEqual(sent);
    onA.disconnect();
    onB.disconnect();
  });
});
