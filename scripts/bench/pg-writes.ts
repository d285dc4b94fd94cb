/**
 * PostgreSQL writes per operation: how many `write(2)` calls (and bytes) the node makes on its
 * database sockets for one `chat:start` (a new customer) and for one `message:send`, one at a
 * time, after a warm-up (statements prepared). On this machine a write to PostgreSQL costs the
 * node ≈ 60–80 µs of CPU (loopback delivery and the backend's wake-up are charged to the
 * writer), so this count is most of what the intake and a message batch cost the node.
 *
 *   npx tsx scripts/bench/pg-writes.ts [--count 100] [--routing manual|least_busy]
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { io, type Socket } from 'socket.io-client';
import { loadConfig } from '../../server/config.js';
import { startNode } from '../../server/main.js';
import { createPostgresDatabase } from '../dev/postgres.js';
import { localNodeEnv } from '../dev/nodeEnv.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '100' }, routing: { type: 'string', default: 'manual' } } });
const count = Number(values.count);

const written = { calls: 0, bytes: 0 };
const databasePort = 5432;
const write = net.Socket.prototype.write;
net.Socket.prototype.write = function (this: net.Socket, chunk: string | Uint8Array, ...rest: unknown[]) {
  if (this.remotePort === databasePort) {
    written.calls++;
    written.bytes += chunk.length;
  }
  return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
} as typeof write;

const ask = (socket: Socket, event: string, payload: unknown) =>
  new Promise<{ ok: boolean; error?: unknown }>((resolve) => socket.emit(event, payload, resolve));
const contact = () => ({
  name: 'Writes Probe',
  email: `probe.${randomBytes(6).toString('hex')}@example.com`,
  phone: `+55119${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`,
});
/** Waits until the node has been idle on the database for a while (routing passes, automations). */
async function settled(): Promise<void> {
  let last = -1;
  while (last !== written.calls) {
    last = written.calls;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}
async function perOperation(label: string, operation: () => Promise<{ ok: boolean; error?: unknown }>): Promise<void> {
  for (let i = 0; i < 20; i++) await operation(); // warm-up: each pooled connection prepares its statements
  await settled();
  const before = { ...written };
  for (let i = 0; i < count; i++) {
    const answer = await operation();
    if (!answer.ok) throw new Error(`${label}: ${JSON.stringify(answer.error)}`);
  }
  await settled();
  console.log(`| ${label} | ${((written.calls - before.calls) / count).toFixed(2)} | ${Math.round((written.bytes - before.bytes) / count)} |`);
}

const folder = mkdtempSync(join(tmpdir(), 'atende-pg-writes-'));
const automations = join(folder, 'automations.json');
writeFileSync(automations, JSON.stringify({ routing: { mode: values.routing } }));
const database = await createPostgresDatabase();
const node = await startNode(
  loadConfig(localNodeEnv({ DATABASE_URL: database.url, LOG_LEVEL: 'warn', AUTOMATIONS_FILE: automations, ADMIN_TOKEN: randomBytes(20).toString('hex') })),
);
const socket = io(`${node.url}/chat`, { transports: ['websocket'] });
try {
  await new Promise((resolve) => socket.once('connect', () => resolve(undefined)));
  console.log(`routing ${values.routing}, ${count} operations one at a time\n\n| operation | writes to PostgreSQL | bytes |\n| --- | --- | --- |`);
  await perOperation('chat:start (new customer)', () => ask(socket, 'chat:start', contact()));
  await perOperation('message:send (a batch of one)', () => ask(socket, 'message:send', { clientMsgId: randomBytes(8).toString('hex'), body: 'Olá' }));
} finally {
  socket.close();
  await node.stop();
  await database.drop();
  rmSync(folder, { recursive: true, force: true });
}
