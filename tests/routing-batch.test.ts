import { asc, inArray } from 'drizzle-orm';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { parseAutomations } from '../server/automations/automationsConfig.js';
import { agents, ticketEvents, tickets } from '../server/db/schema.js';
import { ticketsRepository } from '../server/repositories/tickets.js';
import { announceAssignment, assignInTransaction, assignManyInTransaction, type Assignment } from '../server/services/tickets/assignTicket.js';
import { inTicketTransaction } from '../server/services/ticketFacts.js';
import type { AtendeNode } from '../server/main.js';
import type { TicketAssignedEvent } from '../shared/events.js';
import { agentClient, newAdminToken, type AgentClient } from './support/agent.js';
import { describeOnEachDriver, type TestDatabase } from './support/databases.js';
import { createAgents, goOffline, goOnline, startWaitingChat, type TeamAgent, type WaitingVisitor } from './support/routing.js';
import { useTestNode } from './support/suite.js';

/**
 * A routing pass gives a burst of chats in a few statements (PROTOCOL §8). Batched, each
 * assignment must still leave exactly what one `tickets.assign`-style assignment leaves: one
 * audit row, one `ticket.assigned` event (no actor), one `agent:joined`, in queue order.
 */

/** What a test keeps of the node's events and of the rows, per ticket. */
function recorder(db: () => TestDatabase, node: () => AtendeNode) {
  const events: Array<TicketAssignedEvent & { eventId: string }> = [];
  let unsubscribe = () => {};
  return {
    events,
    start() {
      events.length = 0;
      unsubscribe = node().ctx.bus.subscribe((event) => {
        if (event.type === 'ticket.assigned') events.push(event);
      });
    },
    stop: () => unsubscribe(),
    /** The ticket.assigned audit rows of these tickets, in the order written. */
    audit: (ticketIds: string[]) =>
      db()
        .handle.db.select()
        .from(ticketEvents)
        .where(inArray(ticketEvents.ticketId, ticketIds))
        .orderBy(asc(ticketEvents.id))
        .then((rows) => rows.filter((row) => row.type === 'ticket.assigned')),
    tickets: (ticketIds: string[]) => db().handle.db.select().from(tickets).where(inArray(tickets.id, ticketIds)),
  };
}

describeOnEachDriver('routing: a pass that gives many chats at once', (db) => {
  const adminToken = newAdminToken();
  const node = useTestNode(
    db,
    { ADMIN_TOKEN: adminToken, PRESENCE_TIMEOUT_MS: '60000' },
    { automations: parseAutomations({ routing: { mode: 'least_busy', defaultCapacity: 3 } }) },
  );
  const recorded = recorder(db, node);
  let admin: AgentClient;
  const team: TeamAgent[] = [];
  const visitors: WaitingVisitor[] = [];
  beforeAll(() => {
    admin = agentClient(node().url, adminToken);
  });
  afterEach(async () => {
    recorded.stop();
    for (const agent of team.splice(0)) await goOffline(agent);
    for (const visitor of visitors.splice(0)) visitor.socket.disconnect();
    await node().routing.idle();
  });

  it('10 queued chats, 3 agents online together: the oldest 9 given in one pass, each audited, announced and told as one by one, in queue order', async () => {
    // Live but away: routing gives them nothing while the queue fills.
    const created = await createAgents(node().url, admin, ['Ana Lote', 'Beto Lote', 'Caio Lote']);
    team.push(...created);
    for (const agent of created) {
      await goOnline(agent);
      await agent.api.agents.setStatus.mutate({ status: 'away' });
    }
    for (let i = 0; i < 10; i++) {
      const visitor = await startWaitingChat(node().url);
      visitors.push(visitor);
      await visitor.position(i + 1);
    }
    await node().routing.idle();
    recorded.start();

    // All three online in one commit; the next pass sees them together.
    const ids = created.map((agent) => agent.id);
    await db().handle.db.update(agents).set({ status: 'online', statusChangedAt: new Date() }).where(inArray(agents.id, ids));
    node().routing.request();
    const served = visitors.slice(0, 9);
    await Promise.all(served.map((visitor) => visitor.agent()));
    await visitors[9]!.position(1);
    await node().routing.idle();

    // least_busy one chat at a time: all at 0, none ever routed, so by id, then in turns.
    const byId = [...created].sort((a, b) => (a.id < b.id ? -1 : 1));
    const expected = served.map((_, i) => byId[i % 3]!);
    const ticketIds = served.map((visitor) => visitor.started.ticketId);
    const rows = new Map((await recorded.tickets(ticketIds)).map((row) => [row.id, row]));
    expect(ticketIds.map((id) => rows.get(id)!.assigneeId)).toEqual(expected.map((agent) => agent.id));

    // Audit: one row per ticket, the system's, written in queue order.
    const audit = await recorded.audit(visitors.map((visitor) => visitor.started.ticketId));
    expect(audit.map((row) => [row.ticketId, row.actorType, row.actorId, row.data])).toEqual(
      ticketIds.map((id, i) => [id, 'system', null, { assigneeId: expected[i]!.id, previousAssigneeId: null }]),
    );

    // Events: one ticket.assigned each, no actor, consecutive eventIds in queue order, as the rows say.
    expect(recorded.events).toHaveLength(9);
    const first = Number(recorded.events[0]!.eventId);
    expect(recorded.events).toEqual(
      ticketIds.map((id, i) => ({
        type: 'ticket.assigned',
        ticketId: id,
        ticketNumber: rows.get(id)!.number,
        at: rows.get(id)!.updatedAt.toISOString(),
        assigneeId: expected[i]!.id,
        previousAssigneeId: null,
        eventId: String(first + i),
      })),
    );

    // Sockets: each served visitor heard its place once and its agent once; the tenth moved up to 1.
    served.forEach((visitor, i) => {
      expect(visitor.joined).toEqual([expected[i]!.name]);
      expect(visitor.positions).toEqual([i + 1]);
    });
    expect(visitors[9]!.joined).toEqual([]);
    expect(visitors[9]!.positions).toEqual([10, 1]);

    const presence = await created[0]!.api.agents.presence.query();
    expect(presence.filter((agent) => ids.includes(agent.id)).map((agent) => agent.openChats)).toEqual([3, 3, 3]);
  });
});

describeOnEachDriver('assignManyInTransaction: the same as assignInTransaction one by one', (db) => {
  const adminToken = newAdminToken();
  // Manual routing: nothing assigns these tickets but the test.
  const node = useTestNode(db, { ADMIN_TOKEN: adminToken }, { automations: parseAutomations({ routing: { mode: 'manual' } }) });
  const recorded = recorder(db, node);
  const visitors: WaitingVisitor[] = [];
  afterEach(() => {
    recorded.stop();
    for (const visitor of visitors.splice(0)) visitor.socket.disconnect();
  });

  /** Assigns these chats' tickets to these agents (null: unassign), in one batch or one at a time; what it left behind. */
  async function assign(chats: WaitingVisitor[], assigneeIds: Array<string | null>, batched: boolean) {
    const before = recorded.events.length;
    const ticketIds = chats.map((chat) => chat.started.ticketId);
    const assignments = await inTicketTransaction(node().ctx, async (tx, facts) => {
      const locked = await ticketsRepository.lockManyUnlessBusy(tx, ticketIds);
      const requests = ticketIds.map((id, i) => ({ current: locked.get(id)!, assigneeId: assigneeIds[i]! }));
      if (batched) return assignManyInTransaction(tx, facts, requests);
      const one: Assignment[] = [];
      for (const request of requests) {
        const assignment = await assignInTransaction(tx, facts, request.current, request.assigneeId);
        if (assignment) one.push(assignment);
      }
      return one;
    });
    for (const assignment of assignments) await announceAssignment(assignment, node().ctx);
    await new Promise((resolve) => setImmediate(resolve)); // the bus delivers on a later tick
    // What is left, with each ticket named by its place in the batch.
    const place = (id: unknown) => ticketIds.indexOf(id as string);
    const audit = assignments.length === 0 ? [] : (await recorded.audit(ticketIds)).slice(-assignments.length);
    return {
      assignments: assignments.map((a) => ({ ticket: place(a.ticket.id), assignee: a.assignee?.id ?? null, previous: a.previousAssigneeId, row: a.ticket.assigneeId })),
      audit: audit.map((row) => ({ ticket: place(row.ticketId), actorType: row.actorType, actorId: row.actorId, type: row.type, data: row.data })),
      events: recorded.events.slice(before).map(({ ticketId, ticketNumber, at, eventId, ...rest }) => ({ ticket: place(ticketId), ...rest })),
      eventIds: recorded.events.slice(before).map((event) => Number(event.eventId)),
    };
  }

  it('assign, reassign and unassign: the same audit rows, events (consecutive ids), assignments and agent:joined, in the order asked; a no-op leaves nothing', async () => {
    const admin = agentClient(node().url, adminToken);
    const [ana, beto] = await createAgents(node().url, admin, ['Ana Igual', 'Beto Igual']);
    for (let i = 0; i < 8; i++) visitors.push(await startWaitingChat(node().url));
    const [batch, single] = [visitors.slice(0, 4), visitors.slice(4)];
    recorded.start();

    const plans: Array<Array<string | null>> = [
      [ana!.id, beto!.id, ana!.id, beto!.id],
      [beto!.id, beto!.id, beto!.id, ana!.id], // the second already has Beto: a no-op
      [null, beto!.id, null, null],
    ];
    for (const plan of plans) {
      const one = await assign(single, plan, false);
      const many = await assign(batch, plan, true);
      expect(many.assignments).toEqual(one.assignments);
      expect(many.audit).toEqual(one.audit);
      expect(many.events).toEqual(one.events);
      expect(many.eventIds).toEqual(many.eventIds.map((_, i) => many.eventIds[0]! + i));
    }
    expect(recorded.events).toHaveLength(2 * 10);

    // Each visitor heard the same agents join, in the same order (unassigning tells nothing).
    const heard = [[ana!.name, beto!.name], [beto!.name], [ana!.name, beto!.name], [beto!.name, ana!.name]];
    for (const [i, names] of heard.entries()) {
      expect(await batch[i]!.agents(names.length)).toEqual(names);
      expect(await single[i]!.agents(names.length)).toEqual(names);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(batch.map((visitor) => visitor.joined)).toEqual(heard);
    expect(single.map((visitor) => visitor.joined)).toEqual(heard);
  });

  it('a revoked assignee fails the whole batch: nothing written', async () => {
    const admin = agentClient(node().url, adminToken);
    const [ana, gone] = await createAgents(node().url, admin, ['Ana Falha', 'Gil Revogado']);
    await admin.agents.revoke.mutate({ id: gone!.id });
    for (let i = 0; i < 2; i++) visitors.push(await startWaitingChat(node().url));
    recorded.start();
    await expect(assign(visitors, [ana!.id, gone!.id], true)).rejects.toMatchObject({ code: 'VALIDATION' });
    expect(await recorded.audit(visitors.map((visitor) => visitor.started.ticketId))).toEqual([]);
    expect(recorded.events).toEqual([]);
    const rows = await recorded.tickets(visitors.map((visitor) => visitor.started.ticketId));
    expect(rows.map((row) => row.assigneeId)).toEqual([null, null]);
  });
});
