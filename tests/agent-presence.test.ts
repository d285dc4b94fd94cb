import { beforeAll, expect, it, vi } from 'vitest';
import type { AgentPresence } from '../shared/agentApi.js';
import { agentClient, expectTrpcError, followEvents, newAdminToken, type AgentClient } from './support/agent.js';
import { uniqueContact } from './support/customer.js';
import { describeOnEachDriver } from './support/databases.js';
import { createAgents } from './support/routing.js';
import { useTestNode } from './support/suite.js';

const PRESENCE_TIMEOUT_MS = 1500;

/** PROTOCOL §8 presence: online only while asked AND live (an open event stream, or an API call within the window). */
describeOnEachDriver('agent presence', (db) => {
  const adminToken = newAdminToken();
  const node = useTestNode(db, { ADMIN_TOKEN: adminToken, PRESENCE_TIMEOUT_MS: String(PRESENCE_TIMEOUT_MS) });
  let admin: AgentClient;
  beforeAll(() => {
    admin = agentClient(node().url, adminToken);
  });

  /** The agent as `agents.presence` reads it, asked by the admin (whose calls keep only the admin live). */
  const presenceOf = async (id: string): Promise<AgentPresence | undefined> =>
    (await admin.agents.presence.query()).find((agent) => agent.id === id);
  /** Waits (polling as the admin) until the agent reads `status`; answers how long that took. */
  const until = async (id: string, status: AgentPresence['status']) => {
    const began = Date.now();
    await vi.waitFor(async () => expect((await presenceOf(id))?.status).toBe(status), { timeout: 15_000, interval: 100 });
    return Date.now() - began;
  };

  it('a new agent reads offline; asking online makes it online (the call is a sign of life); with no stream and no call it goes offline after the window', async () => {
    const [ana] = await createAgents(node().url, admin, ['Ana Presente']);
    expect(await presenceOf(ana!.id)).toEqual({ id: ana!.id, name: 'Ana Presente', status: 'offline', openChats: 0, capacity: 5 });
    const asked = Date.now();
    expect(await ana!.api.agents.setStatus.mutate({ status: 'online' })).toEqual({ status: 'online' });
    expect((await presenceOf(ana!.id))?.status).toBe('online');
    await until(ana!.id, 'offline');
    expect(Date.now() - asked).toBeGreaterThanOrEqual(PRESENCE_TIMEOUT_MS - 100);
  });

  it('an open event stream keeps an online agent online past the window; once it closes the agent goes offline after the window', async () => {
    const [beto] = await createAgents(node().url, admin, ['Beto Presente']);
    const stream = followEvents(beto!.api);
    await stream.started;
    await beto!.api.agents.setStatus.mutate({ status: 'online' });
    // Three windows with no call by Beto: his stream alone keeps him live.
    const began = Date.now();
    while (Date.now() - began < 3 * PRESENCE_TIMEOUT_MS) {
      expect((await presenceOf(beto!.id))?.status).toBe('online');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    stream.stop();
    const closed = Date.now();
    await until(beto!.id, 'offline');
    expect(Date.now() - closed).toBeGreaterThanOrEqual(PRESENCE_TIMEOUT_MS / 3);
  });

  it('API calls keep an agent live; away reads away while live; asking offline is offline at once, even live', async () => {
    const [caio] = await createAgents(node().url, admin, ['Caio Presente']);
    await caio!.api.agents.setStatus.mutate({ status: 'away' });
    const began = Date.now();
    while (Date.now() - began < 3 * PRESENCE_TIMEOUT_MS) {
      await caio!.api.agents.me.query();
      expect((await presenceOf(caio!.id))?.status).toBe('away');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await caio!.api.agents.setStatus.mutate({ status: 'offline' });
    expect((await presenceOf(caio!.id))?.status).toBe('offline');
    await caio!.api.agents.setStatus.mutate({ status: 'online' });
    expect((await presenceOf(caio!.id))?.status).toBe('online');
    await until(caio!.id, 'offline');
  });

  it('agents.update sets capacity (null: the default), role and name, admins only; presence lists unrevoked agents only', async () => {
    const [dora, eli] = await createAgents(node().url, admin, ['Dora Presente', 'Eli Presente']);
    expect(await admin.agents.update.mutate({ id: dora!.id, capacity: 2, name: 'Dora P.' })).toMatchObject({ id: dora!.id, name: 'Dora P.', capacity: 2, role: 'agent' });
    expect(await presenceOf(dora!.id)).toMatchObject({ name: 'Dora P.', capacity: 2 });
    expect(await admin.agents.update.mutate({ id: dora!.id, capacity: null })).toMatchObject({ capacity: null });
    expect((await presenceOf(dora!.id))?.capacity).toBe(5);
    expect(await admin.agents.update.mutate({ id: dora!.id, role: 'admin' })).toMatchObject({ role: 'admin' });

    await expectTrpcError(eli!.api.agents.update.mutate({ id: eli!.id, capacity: 9 }), 'FORBIDDEN');
    await expectTrpcError(admin.agents.update.mutate({ id: dora!.id, capacity: -1 }), 'BAD_REQUEST');
    await expectTrpcError(admin.agents.update.mutate({ id: '00000000-0000-4000-8000-000000000000', capacity: 1 }), 'NOT_FOUND');
    const me = await admin.agents.me.query();
    await expectTrpcError(admin.agents.update.mutate({ id: me.id, role: 'agent' }), 'BAD_REQUEST');
    await expectTrpcError(eli!.api.agents.setStatus.mutate({ status: 'busy' } as never), 'BAD_REQUEST');

    await admin.agents.revoke.mutate({ id: eli!.id });
    expect(await presenceOf(eli!.id)).toBeUndefined();
    const other = await admin.agents.create.mutate({ name: 'Fia Presente', email: uniqueContact().email, role: 'agent' });
    expect((await presenceOf(other.agent.id))?.status).toBe('offline');
  });
});
