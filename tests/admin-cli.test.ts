import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AtendeNode } from '../server/main.js';
import { agents } from '../server/db/schema.js';
import { openDatabase } from '../server/db/client.js';
import { createPostgresDatabase } from '../scripts/dev/postgres.js';
import { startRedisServer, type LocalRedis } from '../scripts/dev/redisServer.js';
import type { Message } from '../shared/chat.js';
import { agentClient, expectTrpcError, newAdminToken } from './support/agent.js';
import { requestOk, startChatOn, uniqueContact, waitForEvent } from './support/customer.js';
import { openTestPostgres, type TestDatabase } from './support/databases.js';
import { startTestNode } from './support/node.js';

/**
 * The admin CLI (`npx atende …`, `npm run atende -- …`) run as an operator runs it, in its own
 * process against the node's PostgreSQL and Redis; what it does is checked through a running
 * node's API and sockets.
 */

const ROOT = resolve(import.meta.dirname, '..');

function atende(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['scripts/atende.mjs', ...args], {
    cwd: ROOT,
    env: { ...process.env, DOTENV_CONFIG_QUIET: 'true', ADMIN_TOKEN: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolveRun) => child.once('exit', (code) => resolveRun({ code, stdout, stderr })));
}

/** The token a command printed: its last line. */
function printedToken(stdout: string): string {
  const token = stdout.trim().split('\n').at(-1)!;
  expect(token).toMatch(/^atd_[A-Za-z0-9_-]{40,}$/);
  return token;
}

const available = inject('postgresAvailable');

describe.skipIf(!available)('admin CLI', () => {
  let database: TestDatabase;
  let redis: LocalRedis;
  let node: AtendeNode;
  const adminToken = newAdminToken();
  const env = () => ({ DATABASE_URL: database.url!, REDIS_URL: redis.url });

  beforeAll(async () => {
    [database, redis] = await Promise.all([openTestPostgres(), startRedisServer()]);
    node = await startTestNode(database.handle, { ADMIN_TOKEN: adminToken, REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await node?.stop();
    await redis?.stop();
    await database?.close();
  });

  it('agents create prints a token, shown once, that the API accepts as that agent with that role', async () => {
    const email = uniqueContact('Ana').email;
    const created = await atende(['agents', 'create', '--name', 'Ana Souza', '--email', email], env());
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const api = agentClient(node.url, printedToken(created.stdout));
    expect(await api.agents.me.query()).toMatchObject({ name: 'Ana Souza', email, role: 'agent' });
    await expectTrpcError(api.agents.create.mutate({ name: 'X', email: uniqueContact('X').email, role: 'agent' }), 'FORBIDDEN');

    const admin = await atende(['agents', 'create', '--name', 'Bia Admin', '--email', uniqueContact('Bia').email, '--role', 'admin'], env());
    expect(admin.code).toBe(0);
    expect(await agentClient(node.url, printedToken(admin.stdout)).agents.me.query()).toMatchObject({ role: 'admin' });

    const again = await atende(['agents', 'create', '--name', 'Ana Outra', '--email', email], env());
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
  });

  it('a wrong call names what is wrong and exits 64 (EX_USAGE), storing nothing', async () => {
    const before = (await agentClient(node.url, adminToken).agents.list.query()).length;
    const missing = await atende(['agents', 'create', '--name', 'Sem Email'], env());
    expect(missing.code).toBe(64);
    expect(missing.stderr).toMatch(/--email/);
    expect(missing.stderr).toMatch(/usage: atende agents create/);
    const badRole = await atende(['agents', 'create', '--name', 'X', '--email', uniqueContact('X').email, '--role', 'root'], env());
    expect(badRole.code).toBe(64);
    expect(badRole.stderr).toMatch(/--role/);
    const unknown = await atende(['agents', 'delete-all'], env());
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toMatch(/atende agents revoke/);
    expect((await agentClient(node.url, adminToken).agents.list.query()).length).toBe(before);
  });

  it('agents revoke (by e-mail or id) ends the token at once; an unknown agent is said so', async () => {
    const email = uniqueContact('Caio').email;
    const token = printedToken((await atende(['agents', 'create', '--name', 'Caio', '--email', email], env())).stdout);
    const api = agentClient(node.url, token);
    const { id } = await api.agents.me.query();

    const revoked = await atende(['agents', 'revoke', email], env());
    expect(revoked).toMatchObject({ code: 0, stderr: '' });
    expect(revoked.stdout).toContain(id);
    await expectTrpcError(api.agents.me.query(), 'UNAUTHORIZED');
    const listed = await atende(['agents', 'list'], env());
    expect(listed.stdout.split('\n').find((line) => line.startsWith(id))).toMatch(/revoked/);

    const byId = printedToken((await atende(['agents', 'create', '--name', 'Duda', '--email', uniqueContact('Duda').email], env())).stdout);
    const dudaId = (await agentClient(node.url, byId).agents.me.query()).id;
    expect((await atende(['agents', 'revoke', dudaId], env())).code).toBe(0);
    await expectTrpcError(agentClient(node.url, byId).agents.me.query(), 'UNAUTHORIZED');

    const nobody = await atende(['agents', 'revoke', 'ninguem@example.com'], env());
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(/No such agent/);
  });

  it('admin rotate-token gives the bootstrap admin a new token and the old one stops working; with ADMIN_TOKEN set it warns', async () => {
    expect(await agentClient(node.url, adminToken).agents.me.query()).toMatchObject({ email: 'admin@atende.local' });
    const rotated = await atende(['admin', 'rotate-token'], { ...env(), ADMIN_TOKEN: adminToken });
    expect(rotated.code).toBe(0);
    expect(rotated.stderr).toMatch(/warning: ADMIN_TOKEN is set/);
    const token = printedToken(rotated.stdout);
    expect(await agentClient(node.url, token).agents.me.query()).toMatchObject({ email: 'admin@atende.local', role: 'admin' });
    await expectTrpcError(agentClient(node.url, adminToken).agents.me.query(), 'UNAUTHORIZED');

    const quiet = await atende(['admin', 'rotate-token'], env());
    expect(quiet).toMatchObject({ code: 0, stderr: '' });
    await expectTrpcError(agentClient(node.url, token).agents.me.query(), 'UNAUTHORIZED');
    expect(await agentClient(node.url, printedToken(quiet.stdout)).agents.me.query()).toMatchObject({ role: 'admin' });
  });

  it('customers export prints every record held about a customer as JSON; customers erase removes it everywhere, ends its open chat live, audited by the admin named', async () => {
    const { socket, started } = await startChatOn(node.url);
    await requestOk<Message>(socket, 'message:send', { body: 'Meu CPF é 123.456.789-00', clientMsgId: 'lgpd-1' });
    // An admin of its own: the bootstrap admin's token may have been rotated by another test.
    const adminEmail = uniqueContact('Lia').email;
    const created = await atende(['agents', 'create', '--name', 'Lia Admin', '--email', adminEmail, '--role', 'admin'], env());
    const api = agentClient(node.url, printedToken(created.stdout));
    const adminId = (await api.agents.me.query()).id;
    const ticket = await api.tickets.get.query({ id: started.ticketId });
    const clientId = ticket.client!.id;

    const exported = await atende(['customers', 'export', clientId], env());
    expect(exported).toMatchObject({ code: 0, stderr: '' });
    const data = JSON.parse(exported.stdout);
    expect(data.client).toMatchObject({ id: clientId, email: ticket.client!.email });
    expect(data.chatSessions[0].messages.map((m: Message) => m.body)).toContain('Meu CPF é 123.456.789-00');

    const noAdmin = await atende(['customers', 'erase', clientId], env());
    expect(noAdmin.code).toBe(64);
    expect(noAdmin.stderr).toMatch(/--by/);
    const agentEmail = uniqueContact('Eva').email;
    await atende(['agents', 'create', '--name', 'Eva', '--email', agentEmail], env());
    const notAdmin = await atende(['customers', 'erase', clientId, '--by', agentEmail], env());
    expect(notAdmin.code).toBe(1);
    expect(notAdmin.stderr).toMatch(/Not an active admin/);
    expect((await atende(['customers', 'export', 'not-an-id'], env())).code).toBe(64);

    // The node holding the visitor's socket hears it through Redis: the chat ends for them now.
    const closed = waitForEvent(socket, 'chat:closed');
    const erased = await atende(['customers', 'erase', clientId, '--by', adminEmail], env());
    expect(erased).toMatchObject({ code: 0, stderr: '' });
    expect(erased.stdout).toContain(`Erased customer ${clientId}`);
    await closed;
    expect(await api.clients.get.query({ id: clientId })).toMatchObject({ name: '[removido]', email: null, phone: null });
    const after = JSON.parse((await atende(['customers', 'export', clientId], env())).stdout);
    expect(JSON.stringify(after)).not.toContain('123.456.789-00');
    const audit = (await api.tickets.get.query({ id: started.ticketId })).events.find((event) => event.type === 'client.erased');
    expect(JSON.stringify(audit)).toContain(adminId);
    socket.disconnect();
  });

  it('migrate brings an empty database to the current schema', async () => {
    const empty = await createPostgresDatabase();
    try {
      const migrated = await atende(['migrate'], { DATABASE_URL: empty.url });
      expect(migrated).toMatchObject({ code: 0, stdout: 'Migrations applied.\n' });
      const handle = await openDatabase({ databaseUrl: empty.url, dataDir: 'unused', maxConnections: 1 });
      try {
        expect(await handle.db.select().from(agents)).toEqual([]);
      } finally {
        await handle.close();
      }
    } finally {
      await empty.drop();
    }
  });
});
