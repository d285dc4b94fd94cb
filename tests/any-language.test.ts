import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort, startRedisServer, type LocalRedis } from '../scripts/dev/redisServer.js';
import { servicesRequired } from '../scripts/dev/postgres.js';
import { newAdminToken } from './support/agent.js';
import { newClientMsgId, uniqueContact } from './support/customer.js';
import { openTestPostgres, type TestDatabase } from './support/databases.js';
import { printNodeOutputOnFailure, spawnNode, type NodeProcess } from './support/processNode.js';
import { startTcpProxy, type TcpProxy } from './support/tcpProxy.js';

const CLIENT = resolve(import.meta.dirname, 'clients/atende_client.py');
const hasPython = spawnSync('python3', ['-c', 'import requests']).status === 0;
if (!hasPython) {
  if (servicesRequired()) throw new Error('python3 with requests is required (apt-get install -y python3-requests)');
  console.warn('SKIPPED: the Python client tests need python3 and python3-requests');
}

/** One call through the Python client: only the OpenAPI document's paths, found by operationId. */
function python(base: string, token: string, operationId: string, params: Record<string, unknown> = {}): Promise<{ status: number; body: any }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('python3', [CLIENT, 'call', base, token, operationId, JSON.stringify(params)]);
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('exit', (code) => (code === 0 ? resolvePromise(JSON.parse(out)) : reject(new Error(`python exited ${code}: ${err}`))));
  });
}

interface Line {
  event?: string;
  id?: string;
  data?: any;
  connected?: string;
  dropped?: string;
}

/** The Python follower of /api/v1/events, rotating over `bases` on every reconnect. */
function pythonFollower(token: string, bases: string[]) {
  const child: ChildProcess = spawn('python3', [CLIENT, 'follow', token, ...bases]);
  const lines: Line[] = [];
  const waiters: Array<() => void> = [];
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const complete = buffer.split('\n');
    buffer = complete.pop()!;
    for (const line of complete) if (line.trim()) lines.push(JSON.parse(line) as Line);
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    lines,
    messages: () => lines.filter((line) => line.event === 'message.created'),
    async until(predicate: () => boolean) {
      while (!predicate()) await new Promise<void>((resolveWait) => waiters.push(resolveWait));
    },
    stop: () => child.kill(),
  };
}

describe.skipIf(!hasPython || !inject('postgresAvailable'))('a Python client over the OpenAPI paths, on two nodes with Redis', () => {
  printNodeOutputOnFailure();
  let database: TestDatabase;
  let redis: LocalRedis;
  let nodeA: NodeProcess;
  let nodeB: NodeProcess;
  let proxyA: TcpProxy;
  let bPort: number;
  const adminToken = newAdminToken();
  const env = () => ({ DATABASE_URL: database.url!, REDIS_URL: redis.url, ADMIN_TOKEN: adminToken });

  beforeAll(async () => {
    [database, redis, bPort] = await Promise.all([openTestPostgres(), startRedisServer(), freePort()]);
    [nodeA, nodeB] = await Promise.all([spawnNode(env()), spawnNode({ ...env(), PORT: String(bPort) })]);
    proxyA = await startTcpProxy(Number(new URL(nodeA.url).port));
  });
  afterAll(async () => {
    await Promise.all([nodeA?.stop(), nodeB?.stop()]);
    await proxyA?.close();
    await redis?.stop();
    await database?.close();
  });

  it('lists tickets, replies, reads history, and follows /api/v1/events across a disconnect, another node and a restart', async () => {
    const contact = uniqueContact('Pia Python');
    const started = await fetch(`${nodeA.url}/api/chat`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: contact.name, email: contact.email, phone: contact.phone }),
    }).then((response) => response.json() as Promise<{ ticketId: string; ticketNumber: number }>);

    const list = await python(nodeA.url, adminToken, 'listTickets', { limit: 5 });
    expect(list.status).toBe(200);
    expect(list.body.items[0]).toMatchObject({ id: started.ticketId, number: started.ticketNumber });
    const reply = await python(nodeA.url, adminToken, 'replyToTicket', { id: started.ticketId, body: 'Olá do Python', clientMsgId: newClientMsgId() });
    expect(reply.status).toBe(201);
    const clientId = list.body.items[0].client.id as string;
    const history = await python(nodeA.url, adminToken, 'getClientHistory', { id: clientId });
    expect(history.body.tickets.map((ticket: { id: string }) => ticket.id)).toEqual([started.ticketId]);
    const refused = await python(nodeA.url, 'wrong-token-00000000000000', 'listTickets');
    expect(refused).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });

    const proxiedA = `http://127.0.0.1:${proxyA.port}`;
    const follower = pythonFollower(adminToken, [proxiedA, nodeB.url]);
    try {
      await follower.until(() => follower.lines.some((line) => line.event === 'ready'));
      const replyOn = (node: string, body: string) =>
        fetch(`${node}/api/v1/tickets/${started.ticketId}/replies`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ body, clientMsgId: newClientMsgId() }),
        }).then((response) => expect(response.status).toBe(201));

      for (const body of ['a1', 'a2']) await replyOn(nodeA.url, body);
      await follower.until(() => follower.messages().length === 2);

      // The connection to A is cut; events produced on A while the client reconnects to B.
      proxyA.block();
      for (const body of ['a3', 'a4', 'a5']) await replyOn(nodeA.url, body);
      await follower.until(() => follower.messages().length === 5);
      const onB = follower.lines.findIndex((line) => line.connected === nodeB.url);
      expect(onB).toBeGreaterThan(follower.lines.indexOf(follower.messages()[1]!));

      // B restarts (SIGTERM); A takes replies meanwhile; the client resumes on B from PostgreSQL.
      expect(await nodeB.stop()).toBe(0);
      for (const body of ['a6', 'a7']) await replyOn(nodeA.url, body);
      nodeB = await spawnNode({ ...env(), PORT: String(bPort) });
      await follower.until(() => follower.messages().length === 7);
      await replyOn(nodeB.url, 'b8');
      await follower.until(() => follower.messages().length === 8);

      const bodies = follower.messages().map((line) => line.data.message.body);
      expect(bodies).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'b8']);
      // Every event of the cluster since `ready`, once, in order: ids without a gap or a repeat.
      const ready = Number(follower.lines.find((line) => line.event === 'ready')!.id);
      const ids = follower.lines.filter((line) => line.id && line.event !== 'ready').map((line) => Number(line.id));
      expect(ids).toEqual(ids.map((_, i) => ready + 1 + i));
      expect(follower.lines.filter((line) => line.dropped || line.connected).length).toBeGreaterThanOrEqual(3);
    } finally {
      follower.stop();
    }
  });
});
