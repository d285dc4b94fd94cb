import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { chatQueue, ticketEvents, tickets } from '../server/db/schema.js';
import type { AgentStatus } from '../shared/agentApi.js';
import { agentClient, followEvents, newAdminToken, type AgentClient } from './support/agent.js';
import { openTestPostgres, type TestDatabase } from './support/databases.js';
import { printNodeOutputOnFailure, spawnNode, type NodeProcess } from './support/processNode.js';
import { createAgents, startWaitingChat, type TeamAgent, type WaitingVisitor } from './support/routing.js';
import { startRedisServer, type LocalRedis } from '../scripts/dev/redisServer.js';

printNodeOutputOnFailure();

/**
 * PROTOCOL §8 across nodes, with real processes on one PostgreSQL and one Redis: presence is
 * the same seen from every node, and two nodes routing at once never assign a chat twice, never
 * fill an agent past its capacity, and leave no chat waiting while an online agent has room.
 */
describe.skipIf(!inject('postgresAvailable'))('routing across two nodes', () => {
  let database: TestDatabase;
  let redis: LocalRedis;
  let nodes: NodeProcess[] = [];
  let admins: AgentClient[] = [];
  const visitors: WaitingVisitor[] = [];
  const adminToken = newAdminToken();
  const dir = mkdtempSync(join(tmpdir(), 'atende-routing-'));
  const automationsFile = join(dir, 'automations.json');

  beforeAll(async () => {
    writeFileSync(automationsFile, JSON.stringify({ routing: { mode: 'least_busy', defaultCapacity: 2, reassignAfterOfflineMs: 600_000 } }));
    [database, redis] = await Promise.all([openTestPostgres(), startRedisServer()]);
    const env = { DATABASE_URL: database.url!, REDIS_URL: redis.url, ADMIN_TOKEN: adminToken, AUTOMATIONS_FILE: automationsFile };
    nodes = await Promise.all([spawnNode(env), spawnNode(env)]);
    admins = nodes.map((node) => agentClient(node.url, adminToken));
  });
  afterAll(async () => {
    for (const visitor of visitors) visitor.socket.disconnect();
    await Promise.all(nodes.map((node) => node.stop()));
    await redis?.stop();
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The same agent through each node. */
  const onEachNode = (token: string) => nodes.map((node) => agentClient(node.url, token));

  it('presence is shared: an agent streaming on one node and asking online there reads online on the other', async () => {
    const created = await admins[0]!.agents.create.mutate({ name: 'Nina Nós', email: `nina.${Date.now()}@example.com`, role: 'agent' });
    const [onA, onB] = onEachNode(created.token);
    const stream = followEvents(onA!);
    try {
      await stream.started;
      await onA!.agents.setStatus.mutate({ status: 'away' });
      expect((await admins[1]!.agents.presence.query()).find((p) => p.id === created.agent.id)?.status).toBe('away');
      await onB!.agents.setStatus.mutate({ status: 'online' });
      expect((await admins[0]!.agents.presence.query()).find((p) => p.id === created.agent.id)?.status).toBe('online');
    } finally {
      await onB!.agents.setStatus.mutate({ status: 'offline' });
      stream.stop();
    }
  });

  it('twenty chats at once over both nodes while agents toggle their status: no chat assigned twice, no agent past capacity, none left waiting while an agent has room', async () => {
    const capacities = [1, 2, 2, 3];
    const team: TeamAgent[] = [];
    for (const [i, capacity] of capacities.entries()) {
      const [agent] = await createAgents(nodes[i % 2]!.url, admins[0]!, [`Agente ${i} Corrida`], capacity);
      team.push(agent!);
    }
    // Each agent's status is set through both nodes, in turn.
    const clients = new Map(team.map((agent) => [agent.id, onEachNode(agent.token)]));
    const setStatus = (agent: TeamAgent, turn: number, status: AgentStatus) =>
      clients.get(agent.id)![turn % 2]!.agents.setStatus.mutate({ status });
    await Promise.all(team.slice(0, 2).map((agent) => setStatus(agent, 0, 'online')));

    const statuses: AgentStatus[] = ['offline', 'online', 'away', 'online', 'offline', 'online', 'away'];
    const toggling = Promise.all(
      team.map(async (agent, i) => {
        for (let k = 0; k < statuses.length; k++) await setStatus(agent, k + i, statuses[(k + i) % statuses.length]!);
      }),
    );
    const starting = Promise.all(
      Array.from({ length: 20 }, (_, i) => startWaitingChat(nodes[i % 2]!.url, `Cliente ${i} Corrida`)),
    );
    const [started] = await Promise.all([starting, toggling]);
    visitors.push(...started);
    // Everyone online at the end, through both nodes: room for 8 of the 20.
    await Promise.all(team.map((agent, i) => setStatus(agent, i, 'online')));

    const ticketIds = started.map((visitor) => visitor.started.ticketId);
    const totalRoom = capacities.reduce((sum, n) => sum + n, 0);
    await vi.waitFor(
      async () => {
        const presence = (await admins[1]!.agents.presence.query()).filter((p) => team.some((agent) => agent.id === p.id));
        expect(presence.map((p) => [p.status, p.openChats, p.capacity])).toEqual(capacities.map((capacity) => ['online', capacity, capacity]));
        expect(await database.handle.db.select().from(chatQueue)).toHaveLength(started.length - totalRoom);
      },
      { timeout: 30_000, interval: 200 },
    );

    // Each chat assigned at most once, by routing.
    const audit = await database.handle.db
      .select()
      .from(ticketEvents)
      .where(inArray(ticketEvents.ticketId, ticketIds))
      .orderBy(asc(ticketEvents.id));
    const assignments = audit.filter((row) => row.type === 'ticket.assigned');
    for (const ticketId of ticketIds) {
      const ofTicket = assignments.filter((row) => row.ticketId === ticketId);
      expect(ofTicket.length, ticketId).toBeLessThanOrEqual(1);
      for (const row of ofTicket) expect(row).toMatchObject({ actorType: 'system', actorId: null, data: { previousAssigneeId: null } });
    }
    expect(assignments).toHaveLength(totalRoom);
    // At no moment past capacity: the trail replayed in order (no chat ended meanwhile).
    const load = new Map<string, number>();
    for (const row of assignments) {
      const { assigneeId } = row.data as { assigneeId: string };
      load.set(assigneeId, (load.get(assigneeId) ?? 0) + 1);
      const capacity = capacities[team.findIndex((agent) => agent.id === assigneeId)]!;
      expect(load.get(assigneeId)).toBeLessThanOrEqual(capacity);
    }

    // Every assigned visitor heard who joined; every waiting one its final place, 1 to 12.
    const assigned = await database.handle.db.select().from(tickets).where(inArray(tickets.id, ticketIds));
    const assigneeOf = new Map(assigned.map((row) => [row.id, row.assigneeId]));
    const queue = await database.handle.db.select().from(chatQueue).orderBy(asc(chatQueue.queuedAt), asc(chatQueue.sessionId));
    for (const visitor of started) {
      const assignee = assigneeOf.get(visitor.started.ticketId);
      if (assignee) {
        expect(await visitor.agent()).toBe(team.find((agent) => agent.id === assignee)!.name);
      } else {
        const place = queue.findIndex((row) => row.sessionId === visitor.started.sessionId) + 1;
        expect(place).toBeGreaterThan(0);
        await visitor.position(place);
      }
    }
    const [first] = await database.handle.db.select().from(chatQueue).where(eq(chatQueue.position, 1));
    expect(first?.sessionId).toBe(queue[0]!.sessionId);
  });
});
