import { eq } from 'drizzle-orm';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../server/config.js';
import { agents } from '../server/db/schema.js';
import { startNode } from '../server/main.js';
import { hashAgentToken } from '../server/services/agents/agentTokens.js';
import { BOOTSTRAP_ADMIN_EMAIL, ensureBootstrapAdmin } from '../server/services/agents/bootstrapAdmin.js';
import { agentClient, expectTrpcError, newAdminToken, type AgentClient } from './support/agent.js';
import { uniqueContact } from './support/customer.js';
import { describeOnEachDriver } from './support/databases.js';
import { startTestNode } from './support/node.js';
import { useTestNode } from './support/suite.js';

describeOnEachDriver('agent API: authentication and roles', (db) => {
  const adminToken = newAdminToken();
  let admin: AgentClient;
  const node = useTestNode(db, { ADMIN_TOKEN: adminToken });
  beforeAll(async () => {
    admin = agentClient(node().url, adminToken);
  });

  async function newAgent(role: 'admin' | 'agent' = 'agent') {
    const contact = uniqueContact('Agent Smith');
    return admin.agents.create.mutate({ name: 'Agent Smith', email: contact.email, role });
  }

  it('the bootstrap admin holds ADMIN_TOKEN, stored only as its SHA-256', async () => {
    const me = await admin.agents.me.query();
    expect(me).toMatchObject({ role: 'admin', email: BOOTSTRAP_ADMIN_EMAIL, revokedAt: null });
    const [row] = await db().handle.db.select().from(agents).where(eq(agents.id, me.id));
    expect(row!.tokenHash).toBe(hashAgentToken(adminToken));
    expect(JSON.stringify(row)).not.toContain(adminToken);
  });

  it('starting more nodes with the same ADMIN_TOKEN, at once, keeps one bootstrap admin', async () => {
    const outcomes = await Promise.all([1, 2, 3].map(() => ensureBootstrapAdmin(adminToken, node().ctx)));
    expect(outcomes.map((o) => o.kind)).toEqual(['existing', 'existing', 'existing']);
    const other = await startTestNode(db().handle, { ADMIN_TOKEN: adminToken });
    await other.stop();
    const rows = await db().handle.db.select().from(agents).where(eq(agents.email, BOOTSTRAP_ADMIN_EMAIL));
    expect(rows).toHaveLength(1);
  });

  it('a changed ADMIN_TOKEN replaces the bootstrap admin\'s token; a revoked one stays revoked', async () => {
    const rotated = newAdminToken();
    expect(await ensureBootstrapAdmin(rotated, node().ctx)).toEqual({ kind: 'rotated' });
    await expect(agentClient(node().url, rotated).agents.me.query()).resolves.toMatchObject({ email: BOOTSTRAP_ADMIN_EMAIL });
    await expectTrpcError(admin.agents.me.query(), 'UNAUTHORIZED');
    expect(await ensureBootstrapAdmin(adminToken, node().ctx)).toEqual({ kind: 'rotated' });
    await expectTrpcError(agentClient(node().url, rotated).agents.me.query(), 'UNAUTHORIZED');

    const { agent, token } = await newAgent('admin');
    await admin.agents.revoke.mutate({ id: agent.id });
    expect(await ensureBootstrapAdmin(token, node().ctx)).toEqual({ kind: 'revoked' });
    await expectTrpcError(agentClient(node().url, token).agents.me.query(), 'UNAUTHORIZED');
    await expect(admin.agents.me.query()).resolves.toMatchObject({ role: 'admin' });
  });

  it('no token, or a wrong one, is UNAUTHORIZED on every kind of procedure', async () => {
    for (const client of [agentClient(node().url), agentClient(node().url, 'atd_wrong'), agentClient(node().url, 'x'.repeat(600))]) {
      await expectTrpcError(client.tickets.list.query({}), 'UNAUTHORIZED');
      await expectTrpcError(client.agents.me.query(), 'UNAUTHORIZED');
      await expectTrpcError(client.tickets.create.mutate({ subject: 's', source: 'api', client: { email: uniqueContact().email } }), 'UNAUTHORIZED');
      await expectTrpcError(client.agents.create.mutate({ name: 'n', email: uniqueContact().email, role: 'admin' }), 'UNAUTHORIZED');
    }
  });

  it('an admin creates an agent whose token, shown once, works and is stored only hashed', async () => {
    const { agent, token } = await newAgent();
    expect(token).toMatch(/^atd_[A-Za-z0-9_-]{43}$/);
    expect(agent).toMatchObject({ name: 'Agent Smith', role: 'agent', revokedAt: null });
    expect(agent).not.toHaveProperty('tokenHash');
    const me = await agentClient(node().url, token).agents.me.query();
    expect(me).toEqual(agent);
    const [row] = await db().handle.db.select().from(agents).where(eq(agents.id, agent.id));
    expect(row!.tokenHash).toBe(hashAgentToken(token));
  });

  it('an agent calling an admin procedure gets FORBIDDEN, and the agent API otherwise', async () => {
    const { token } = await newAgent('agent');
    const client = agentClient(node().url, token);
    await expectTrpcError(client.agents.create.mutate({ name: 'x', email: uniqueContact().email, role: 'admin' }), 'FORBIDDEN');
    await expectTrpcError(client.agents.list.query(), 'FORBIDDEN');
    await expectTrpcError(client.agents.revoke.mutate({ id: (await client.agents.me.query()).id }), 'FORBIDDEN');
    await expect(client.tickets.list.query({ limit: 1 })).resolves.toHaveProperty('items');
  });

  it('an admin agent created through the API can create agents too', async () => {
    const { token } = await newAgent('admin');
    const created = await agentClient(node().url, token).agents.create.mutate({
      name: 'Second',
      email: uniqueContact().email,
      role: 'agent',
    });
    expect(created.agent.role).toBe('agent');
  });

  it('a revoked token is UNAUTHORIZED from then on; list shows it revoked', async () => {
    const { agent, token } = await newAgent();
    const client = agentClient(node().url, token);
    await client.agents.me.query();
    const revoked = await admin.agents.revoke.mutate({ id: agent.id });
    expect(revoked.revokedAt).not.toBeNull();
    await expectTrpcError(client.agents.me.query(), 'UNAUTHORIZED');
    const listed = await admin.agents.list.query();
    expect(listed.find((a) => a.id === agent.id)?.revokedAt).toBe(revoked.revokedAt);
    await expectTrpcError(admin.agents.revoke.mutate({ id: (await admin.agents.me.query()).id }), 'BAD_REQUEST');
    await expectTrpcError(admin.agents.revoke.mutate({ id: '00000000-0000-4000-8000-000000000000' }), 'NOT_FOUND');
  });

  it('invalid input is BAD_REQUEST with zod details and per-field messages', async () => {
    const error = await expectTrpcError(
      admin.agents.create.mutate({ name: '', email: 'not-an-email', role: 'boss' as 'admin' }),
      'BAD_REQUEST',
    );
    expect(error.message).toBe('Invalid input');
    expect(error.data?.appCode).toBe('VALIDATION');
    expect(Object.keys(error.data?.fields ?? {}).sort()).toEqual(['email', 'name', 'role']);
    expect(Object.keys(error.data?.zodError?.fieldErrors ?? {}).sort()).toEqual(['email', 'name', 'role']);
    const limit = await expectTrpcError(admin.tickets.list.query({ limit: 101 }), 'BAD_REQUEST');
    expect(limit.data?.fields).toHaveProperty('limit');
    const duplicate = uniqueContact().email;
    await admin.agents.create.mutate({ name: 'One', email: duplicate, role: 'agent' });
    const taken = await expectTrpcError(admin.agents.create.mutate({ name: 'Two', email: duplicate, role: 'agent' }), 'BAD_REQUEST');
    expect(taken.data?.fields).toEqual({ email: 'Already in use' });
  });

  it('works with plain HTTP: a GET query and a POST mutation, as curl would send them', async () => {
    const input = encodeURIComponent(JSON.stringify({ source: 'chat', limit: 2 }));
    const listed = await fetch(`${node().url}/trpc/tickets.list?input=${input}`, {
      headers: { Authorization: `Bearer ${adminToken}` },
    });
    expect(listed.status).toBe(200);
    const body = (await listed.json()) as { result: { data: { items: unknown[]; nextCursor: string | null } } };
    expect(Array.isArray(body.result.data.items)).toBe(true);

    // No input at all is the first page of everything.
    const bare = await fetch(`${node().url}/trpc/tickets.list`, { headers: { Authorization: `Bearer ${adminToken}` } });
    expect(bare.status).toBe(200);

    const contact = uniqueContact('Curl User');
    const created = await fetch(`${node().url}/trpc/tickets.create`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ subject: 'Via curl', source: 'api', client: { name: 'Curl User', email: contact.email } }),
    });
    expect(created.status).toBe(200);
    const ticket = ((await created.json()) as { result: { data: { number: number; source: string; client: { email: string } } } }).result.data;
    expect(ticket).toMatchObject({ source: 'api', client: { email: contact.email } });

    const unauthorized = await fetch(`${node().url}/trpc/tickets.list?input=${input}`);
    expect(unauthorized.status).toBe(401);
    expect(((await unauthorized.json()) as { error: { data: { code: string } } }).error.data.code).toBe('UNAUTHORIZED');
    const forbidden = await fetch(`${node().url}/trpc/agents.list`, {
      headers: { Authorization: `Bearer ${(await newAgent()).token}` },
    });
    expect(forbidden.status).toBe(403);
    const invalid = await fetch(`${node().url}/trpc/tickets.get?input=${encodeURIComponent(JSON.stringify({ id: 'nope' }))}`, {
      headers: { Authorization: `Bearer ${adminToken}` },
    });
    expect(invalid.status).toBe(400);
  });
});

describeOnEachDriver('agent API: bootstrap admin without ADMIN_TOKEN', (db) => {
  it('a fresh database gets an admin whose generated token is logged once, and only once', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
    const first = await startNode(config, { database: db().handle, logger: pino({ level: 'warn' }, sink) });
    const second = await startNode(config, { database: db().handle, logger: pino({ level: 'warn' }, sink) });
    try {
      const announced = lines.filter((line) => line.includes('API token'));
      expect(announced).toHaveLength(1);
      const token = /(atd_[A-Za-z0-9_-]{43})/.exec(announced[0]!)?.[1];
      expect(token).toBeDefined();
      const me = await agentClient(second.url, token).agents.me.query();
      expect(me).toMatchObject({ role: 'admin', email: BOOTSTRAP_ADMIN_EMAIL });
      const rows = await db().handle.db.select().from(agents);
      expect(rows).toHaveLength(1);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });
});
