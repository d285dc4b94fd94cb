/**
 * What cross-node delivery costs: the time from `message:send` on node A to `message:new` on a
 * socket of the same session, when that socket is on A (baseline) and when it is on node B
 * (through Redis). Needs PostgreSQL and Redis (TEST_POSTGRES_URL, REDIS_URL or the defaults).
 * Usage: npx tsx scripts/bench/cross-node.ts [--count 500]
 */
import { parseArgs } from 'node:util';
import { io, type Socket } from 'socket.io-client';
import { spawnNode } from '../../tests/support/processNode.js';
import { createPostgresDatabase } from '../../tests/support/postgres.js';
import { startRedisServer } from '../../tests/support/redisServer.js';
import { uniqueContact } from '../../tests/support/customer.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '500' } } });
const count = Number(values.count);

const [pg, redis] = await Promise.all([createPostgresDatabase(), startRedisServer()]);
const env = { DATABASE_URL: pg.url, REDIS_URL: redis.url };
const [nodeA, nodeB] = await Promise.all([spawnNode(env), spawnNode(env)]);

const connect = async (url: string): Promise<Socket> => {
  const socket = io(`${url}/chat`, { transports: ['websocket'] });
  await new Promise((resolve) => socket.once('connect', () => resolve(undefined)));
  return socket;
};
const ask = <T>(socket: Socket, event: string, payload: unknown) =>
  new Promise<T>((resolve, reject) =>
    socket.emit(event, payload, (ack: { ok: boolean; data: T }) => (ack.ok ? resolve(ack.data) : reject(new Error(JSON.stringify(ack))))),
  );

async function measure(receiverUrl: string): Promise<number[]> {
  const sender = await connect(nodeA.url);
  const contact = uniqueContact();
  const started = await ask<{ resumeToken: string }>(sender, 'chat:start', { name: contact.name, email: contact.email, phone: contact.phone });
  const receiver = await connect(receiverUrl);
  await ask(receiver, 'chat:resume', { resumeToken: started.resumeToken });
  const latencies: number[] = [];
  for (let i = 0; i < count + 50; i++) {
    const clientMsgId = `m${i}`;
    const arrived = new Promise<number>((resolve) => {
      const onMessage = (message: { clientMsgId?: string }) => {
        if (message.clientMsgId !== clientMsgId) return;
        receiver.off('message:new', onMessage);
        resolve(performance.now());
      };
      receiver.on('message:new', onMessage);
    });
    const began = performance.now();
    await ask(sender, 'message:send', { body: `hello ${i}`, clientMsgId });
    const at = await arrived;
    if (i >= 50) latencies.push(at - began);
  }
  sender.disconnect();
  receiver.disconnect();
  return latencies.sort((a, b) => a - b);
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const sameNode = await measure(nodeA.url);
const otherNode = await measure(nodeB.url);
console.log(`send on A → message:new, ${count} messages, one at a time`);
console.log(`  receiver on A (same node): p50 ${pct(sameNode, 50).toFixed(2)} ms, p99 ${pct(sameNode, 99).toFixed(2)} ms`);
console.log(`  receiver on B (via Redis): p50 ${pct(otherNode, 50).toFixed(2)} ms, p99 ${pct(otherNode, 99).toFixed(2)} ms`);
console.log(`  cross-node adds p50 ${(pct(otherNode, 50) - pct(sameNode, 50)).toFixed(2)} ms`);

await Promise.all([nodeA.stop(), nodeB.stop()]);
await redis.stop();
await pg.drop();
