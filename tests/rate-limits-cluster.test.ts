import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectCustomer, request, requestOk, startChatOn } from './support/customer.js';
import { openTestPostgres, type TestDatabase } from './support/databases.js';
import { printNodeOutputOnFailure, spawnNode, type NodeProcess } from './support/processNode.js';
import { startRedisServer, type LocalRedis } from '../scripts/dev/redisServer.js';

printNodeOutputOnFailure();

// SECURITY.md: limits are counted in Redis so that a visitor cannot multiply an allowance by
// reaching several nodes; a socket's own limits stay in its node's memory (a socket lives on one node).
describe.skipIf(!inject('postgresAvailable'))('rate limits on two nodes over one Redis', () => {
  let database: TestDatabase;
  let redis: LocalRedis;
  let nodes: NodeProcess[] = [];

  beforeAll(async () => {
    [database, redis] = await Promise.all([openTestPostgres(), startRedisServer()]);
    const env = { DATABASE_URL: database.url!, REDIS_URL: redis.url, REDIS_PREFIX: 'limits', RATE_MESSAGES_PER_MINUTE: '4' };
    nodes = await Promise.all([spawnNode(env), spawnNode(env)]);
  });
  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await redis?.stop();
    await database?.close();
  });

  it("a session's messages share one allowance across nodes; its sockets' own limits never reach Redis", async () => {
    const [a, b] = nodes as [NodeProcess, NodeProcess];
    const { socket: onA, started } = await startChatOn(a.url);
    const onB = await connectCustomer(b.url);
    await requestOk(onB, 'chat:resume', { resumeToken: started.resumeToken });
    // Two from each node: each socket is well within its own four, the session spends all of its.
    for (const [socket, tag] of [[onA, 'a'], [onB, 'b']] as const) {
      for (let i = 0; i < 2; i++) await requestOk(socket, 'message:send', { body: `${tag}${i}`, clientMsgId: `${tag}-${i}` });
    }
    expect(await request(onB, 'message:send', { body: 'b2', clientMsgId: 'b-2' })).toMatchObject({
      ok: false,
      error: { code: 'RATE_LIMITED' },
    });

    const client = new Redis(redis.url);
    try {
      expect(await client.keys(`limits:rl:session-msg:${started.sessionId}`)).toHaveLength(1);
      expect(await client.keys('limits:rl:socket-*')).toEqual([]);
    } finally {
      client.disconnect();
    }
    onA.disconnect();
    onB.disconnect();
  });
});
