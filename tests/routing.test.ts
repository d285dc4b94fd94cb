import { and, asc, eq } from 'drizzle-orm';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { chatQueue, chatSessions, ticketEvents, tickets } from '../server/db/schema.js';
import { ROUTING_LOCK_KEY } from '../server/repositories/routing.js';
import { sweepIdleChats } from '../server/services/chat/sweepIdleChats.js';
import { chooseAgent, type RoutingCandidate } from '../server/services/routing/chooseAgent.js';
import type { Message } from '../shared/chat.js';
import { connectCustomer, newClientMsgId, requestOk, waitForEvent } from './support/customer.js';
import { describeOnEachDriver, describeOnPostgres, type TestDatabase } from './support/databases.js';
import { goOnline, useRoutedTeam, type WaitingVisitor } from './support/routing.js';

/** PROTOCOL §8 routing: who gets a new chat, the visitor's queue, and chats taken back from agents gone offline. */

describe('chooseAgent', () => {
  const agent = (id: string, openChats: number, capacity: number, lastAssignedAt: number | null = null): RoutingCandidate => ({
    id,
    openChats,
    capacity,
    lastAssignedAt,
  });

  it('least_busy: fewest open chats, then the longest since its last routed chat (never first), then the id', () => {
    expect(chooseAgent('least_busy', [agent('a', 2, 5), agent('b', 1, 5, 100), agent('c', 1, 5, 50)])?.id).toBe('c');
    expect(chooseAgent('least_busy', [agent('a', 1, 5, 10), agent('b', 1, 5, null)])?.id).toBe('b');
    expect(chooseAgent('least_busy', [agent('b', 0, 5), agent('a', 0, 5)])?.id).toBe('a');
  });

  it('round_robin: the longest since its last routed chat, whatever its load', () => {
    expect(chooseAgent('round_robin', [agent('a', 0, 5, 30), agent('b', 3, 5, 20), agent('c', 1, 5, 40)])?.id).toBe('b');
    expect(chooseAgent('round_robin', [agent('a', 0, 5, 30), agent('b', 3, 5, null)])?.id).toBe('b');
  });

  it('only agents with room; nobody when all are full or the mode is manual', () => {
    expect(chooseAgent('least_busy', [agent('a', 5, 5), agent('b', 6, 5), agent('c', 0, 0)])).toBeUndefined();
    expect(chooseAgent('round_robin', [agent('a', 2, 2, 1), agent('b', 1, 2, 9)])?.id).toBe('b');
    expect(chooseAgent('manual', [agent('a', 0, 5)])).toBeUndefined();
    expect(chooseAgent('least_busy', [])).toBeUndefined();
  });
});

// Long enough that a busy machine never lets an online agent lapse between refreshes (every third of it).
const PRESENCE_TIMEOUT_MS = 6000;
const REASSIGN_AFTER_OFFLINE_MS = 1000;

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

/** The routing suite's rows: assignment audit rows of a ticket, and the queue. */
function rowsOf(db: () => TestDatabase) {
  return {
    assignedAudit: (ticketId: string) =>
      db()
        .handle.db.select()
        .from(ticketEvents)
        .where(and(eq(ticketEvents.ticketId, ticketId), eq(ticketEvents.type, 'ticket.assigned')))
        .orderBy(asc(ticketEvents.id)),
    assigneeOf: async (ticketId: string) => (await db().handle.db.select().from(tickets).where(eq(tickets.id, ticketId)))[0]!.assigneeId,
    queue: () => db().handle.db.select().from(chatQueue),
  };
}

function useRoutingFixture(db: () => TestDatabase, routing: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return useRoutedTeam(db, { routing, ...extra }, { PRESENCE_TIMEOUT_MS: String(PRESENCE_TIMEOUT_MS) });
}

describeOnEachDriver('routing: least_busy, the queue and re-queue', (db) => {
  const fixture = useRoutingFixture(db, { mode: 'least_busy', defaultCapacity: 5, reassignAfterOfflineMs: REASSIGN_AFTER_OFFLINE_MS });
  const rows = rowsOf(db);

  it('a new chat goes at once to the least busy online agent with room (audited, agent:joined, no queue:position); the rest wait in order and move up as places free', async () => {
    const [ana, beto] = await fixture.team(['Ana Rota', 'Beto Rota'], 2);
    await goOnline(ana!);
    await goOnline(beto!);

    // Four chats fill both agents, two each (least busy first).
    const served: WaitingVisitor[] = [];
    for (let i = 0; i < 4; i++) {
      const visitor = await fixture.visitor();
      await visitor.agent();
      served.push(visitor);
    }
    const assignees = await Promise.all(served.map((visitor) => rows.assigneeOf(visitor.started.ticketId)));
    expect(assignees.filter((id) => id === ana!.id)).toHaveLength(2);
    expect(assignees.filter((id) => id === beto!.id)).toHaveLength(2);
    // Alternating: after a chat each, the one given a chat longest ago goes first.
    expect(assignees[0]).not.toBe(assignees[1]);
    expect(assignees[2]).not.toBe(assignees[3]);
    for (const [i, visitor] of served.entries()) {
      const agentName = assignees[i] === ana!.id ? ana!.name : beto!.name;
      expect(visitor.joined).toEqual([agentName]);
      expect(await rows.assignedAudit(visitor.started.ticketId)).toMatchObject([
        { actorType: 'system', actorId: null, data: { assigneeId: assignees[i], previousAssigneeId: null } },
      ]);
    }

    // Both full: the next three wait, told their places 1, 2, 3.
    const waiting: WaitingVisitor[] = [];
    for (let i = 0; i < 3; i++) {
      const visitor = await fixture.visitor();
      await visitor.position(i + 1);
      waiting.push(visitor);
    }
    await fixture.node().routing.idle();
    for (const visitor of served) expect(visitor.positions).toEqual([]);
    expect(waiting.map((visitor) => visitor.positions)).toEqual([[1], [2], [3]]);

    // The second in line leaves: the third moves up, the first is not told anything new.
    await requestOk(waiting[1]!.socket, 'chat:close', {});
    // By the pass its chat.closed asks for (not a later sweep): its place is gone once routing is idle.
    await fixture.node().routing.idle();
    expect((await rows.queue()).map((row) => [row.sessionId, row.position]).sort()).toEqual(
      [[waiting[0]!.started.sessionId, 1], [waiting[2]!.started.sessionId, 2]].sort(),
    );
    await waiting[2]!.position(2);
    expect(waiting[0]!.positions).toEqual([1]);

    // A chat of Ana's ends: her freed place goes to the first in line; the last moves up to 1.
    const anasChat = served[assignees.indexOf(ana!.id)]!;
    await requestOk(anasChat.socket, 'chat:close', {});
    expect(await waiting[0]!.agent()).toBe(ana!.name);
    await waiting[2]!.position(1);
    expect(waiting[2]!.positions).toEqual([3, 2, 1]);
    expect(await rows.assigneeOf(waiting[0]!.started.ticketId)).toBe(ana!.id);

    // Beto's capacity raised: the last one goes to him.
    await fixture.admin().agents.update.mutate({ id: beto!.id, capacity: 3 });
    expect(await waiting[2]!.agent()).toBe(beto!.name);
    expect(await rows.queue()).toEqual([]);
  });

  it('thirty chats starting at once with two agents of capacity three: six given, none twice, nobody past capacity, the rest queued 1…24', async () => {
    const [jade, kiko] = await fixture.team(['Jade Pico', 'Kiko Pico'], 3);
    await goOnline(jade!);
    await goOnline(kiko!);
    await fixture.node().routing.idle();
    const visitors = await Promise.all(Array.from({ length: 30 }, () => fixture.visitor()));
    const given = visitors.filter((visitor) => visitor.joined.length > 0);
    await fixture.node().routing.idle();
    const assignees = await Promise.all(visitors.map((visitor) => rows.assigneeOf(visitor.started.ticketId)));
    expect(assignees.filter((id) => id === jade!.id)).toHaveLength(3);
    expect(assignees.filter((id) => id === kiko!.id)).toHaveLength(3);
    expect(assignees.filter((id) => id === null)).toHaveLength(24);
    for (const [i, visitor] of visitors.entries()) {
      if (assignees[i] === null) continue;
      await visitor.agent();
      expect(visitor.joined).toHaveLength(1);
      expect(await rows.assignedAudit(visitor.started.ticketId)).toHaveLength(1);
    }
    expect(given.length).toBeLessThanOrEqual(6);
    const queue = await rows.queue();
    expect(queue.map((row) => row.position).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    const waiting = visitors.filter((_, i) => assignees[i] === null);
    await Promise.all(waiting.map((visitor) => visitor.position(queue.find((row) => row.sessionId === visitor.started.sessionId)!.position!)));
    const presence = await jade!.api.agents.presence.query();
    expect(presence.filter((agent) => agent.id === jade!.id || agent.id === kiko!.id).map((agent) => agent.openChats)).toEqual([3, 3]);
  });

  it('queued chats go to an agent as soon as one comes online, oldest first, up to its capacity; away agents get none', async () => {
    const [caio] = await fixture.team(['Caio Rota'], 2);
    const first = await fixture.visitor();
    const second = await fixture.visitor();
    const third = await fixture.visitor();
    await third.position(3);

    await caio!.api.agents.setStatus.mutate({ status: 'away' });
    await fixture.node().routing.idle();
    expect((await rows.queue()).length).toBe(3);

    await goOnline(caio!);
    expect(await first.agent()).toBe(caio!.name);
    expect(await second.agent()).toBe(caio!.name);
    await third.position(1);
    expect(third.joined).toEqual([]);
    expect(await rows.assigneeOf(third.started.ticketId)).toBeNull();
  });

  it('a queued chat that ended unseen by routing (no event) is never given: the next in line is', async () => {
    const [mara] = await fixture.team(['Mara Fila'], 1);
    const gone = await fixture.visitor();
    const next = await fixture.visitor();
    await next.position(2);
    // Ended behind routing's back: no chat.closed, so no pass looks at its ticket.
    await db().handle.db.update(chatSessions).set({ status: 'closed', endedAt: new Date() }).where(eq(chatSessions.id, gone.started.sessionId));
    await goOnline(mara!);
    expect(await next.agent()).toBe(mara!.name);
    expect(await rows.assigneeOf(gone.started.ticketId)).toBeNull();
    expect(gone.joined).toEqual([]);
    await fixture.node().routing.idle();
    expect(await rows.assignedAudit(gone.started.ticketId)).toEqual([]);
  });

  it('erasing a queued customer (LGPD) frees the place at once: the one behind moves up', async () => {
    const erased = await fixture.visitor();
    const behind = await fixture.visitor();
    await behind.position(2);
    const [ticket] = await db().handle.db.select().from(tickets).where(eq(tickets.id, erased.started.ticketId));
    await fixture.admin().clients.erase.mutate({ id: ticket!.clientId });
    // By the pass its client.erased asks for (not a later sweep).
    await fixture.node().routing.idle();
    expect((await rows.queue()).map((row) => [row.sessionId, row.position])).toEqual([[behind.started.sessionId, 1]]);
    await behind.position(1);
  });

  it('a reconnecting visitor still waiting is told its place after chat:resume', async () => {
    const waiting = await fixture.visitor();
    await waiting.position(1);
    const again = await connectCustomer(fixture.node().url);
    try {
      const told = waitForEvent<{ position: number }>(again, 'queue:position');
      const resumed = await requestOk(again, 'chat:resume', { resumeToken: waiting.started.resumeToken });
      expect(resumed.status).toBe('active');
      expect(await told).toEqual({ position: 1 });
    } finally {
      again.disconnect();
    }
  });

  it('an agent’s manual assignment takes a chat out of the queue (the others move up); unassigning a chat puts it back', async () => {
    const [dora] = await fixture.team(['Dora Rota'], 0); // online with no room: routing never gives her a chat
    await goOnline(dora!);
    const first = await fixture.visitor();
    const second = await fixture.visitor();
    await second.position(2);

    await dora!.api.tickets.assign.mutate({ id: first.started.ticketId, assigneeId: dora!.id });
    expect(await first.agent()).toBe(dora!.name);
    await second.position(1);

    await dora!.api.tickets.assign.mutate({ id: first.started.ticketId, assigneeId: null });
    await first.position(1); // it waited longest: back at the front
    await second.position(2);
  });

  it('chats of an agent offline for reassignAfterOfflineMs go back to the queue (audited unassignment) and on to another agent; an away agent keeps hers', async () => {
    const [eva, fabio, gil] = await fixture.team(['Eva Rota', 'Fabio Rota', 'Gil Rota'], 1);
    await goOnline(eva!);
    const evas = await fixture.visitor();
    expect(await evas.agent()).toBe(eva!.name);
    await goOnline(gil!);
    const gils = await fixture.visitor();
    expect(await gils.agent()).toBe(gil!.name);

    await gil!.api.agents.setStatus.mutate({ status: 'away' }); // live and away: keeps her chat
    const wentOffline = Date.now();
    await eva!.api.agents.setStatus.mutate({ status: 'offline' });
    await goOnline(fabio!);
    expect(await evas.agents(2)).toEqual([eva!.name, fabio!.name]);
    expect(Date.now() - wentOffline).toBeGreaterThanOrEqual(REASSIGN_AFTER_OFFLINE_MS - 50);
    expect((await rows.assignedAudit(evas.started.ticketId)).map((row) => [row.actorType, row.actorId, row.data])).toEqual([
      ['system', null, { assigneeId: eva!.id, previousAssigneeId: null }],
      ['system', null, { assigneeId: null, previousAssigneeId: eva!.id }],
      ['system', null, { assigneeId: fabio!.id, previousAssigneeId: null }],
    ]);
    expect(await rows.assigneeOf(gils.started.ticketId)).toBe(gil!.id);
    expect(await rows.assignedAudit(gils.started.ticketId)).toHaveLength(1);
  });

  it('a chat taken back from an agent offline for reassignAfterOfflineMs while nobody has room waits in the queue, and its visitor is told the place', async () => {
    const [nina] = await fixture.team(['Nina Volta'], 1);
    await goOnline(nina!);
    const visitor = await fixture.visitor();
    expect(await visitor.agent()).toBe(nina!.name);
    const waiting = await fixture.visitor();
    await waiting.position(1);
    await nina!.api.agents.setStatus.mutate({ status: 'offline' });
    // Her chat goes back to the queue at the place its wait began: ahead of the one that waits.
    await visitor.position(1);
    await waiting.position(2);
    expect(await rows.assigneeOf(visitor.started.ticketId)).toBeNull();
  });

  it('a queued chat is subject to the idle timeout: it ends unanswered and the ones behind move up', async () => {
    const first = await fixture.visitor();
    const second = await fixture.visitor();
    await second.position(2);
    // The first went quiet an hour ago; the idle sweep (timeout one minute) ends it alone.
    await db()
      .handle.db.update(chatSessions)
      .set({ lastActivityAt: new Date(Date.now() - 3_600_000) })
      .where(eq(chatSessions.id, first.started.sessionId));
    const closed = waitForEvent(first.socket, 'chat:closed');
    expect(await sweepIdleChats(60_000, fixture.node().ctx)).toBe(1);
    expect(await closed).toEqual({ reason: 'timeout' });
    await second.position(1);
    expect((await rows.queue()).map((row) => row.sessionId)).toEqual([second.started.sessionId]);
    const [ticket] = await db().handle.db.select().from(tickets).where(eq(tickets.id, first.started.ticketId));
    expect(ticket!.status).toBe('OPEN');
    const [session] = await db().handle.db.select().from(chatSessions).where(eq(chatSessions.id, first.started.sessionId));
    expect(session!.unanswered).toBe(true);
  });
});

describeOnPostgres('routing: a ticket held by another writer', (db) => {
  const fixture = useRoutingFixture(db, { mode: 'least_busy', defaultCapacity: 5, reassignAfterOfflineMs: REASSIGN_AFTER_OFFLINE_MS });
  const rows = rowsOf(db);

  it('a new chat whose ticket another writer holds while an agent has room is not told a place: it is tried again and given to the agent', async () => {
    const [hana] = await fixture.team(['Hana Ocupada'], 2);
    await goOnline(hana!);
    await fixture.node().routing.idle();
    const other = postgres(db().url!, { max: 2, onnotice: () => {} });
    const routingHeld = deferred();
    const routingFree = deferred();
    const ticketHeld = deferred();
    const ticketFree = deferred();
    const transactions: Array<Promise<unknown>> = [];
    // Routing's next pass waits until the ticket is held, so it finds the ticket busy.
    transactions.push(
      other.begin(async (tx) => {
        await tx`select pg_advisory_xact_lock(${ROUTING_LOCK_KEY})`;
        routingHeld.resolve();
        await routingFree.promise;
      }),
    );
    await routingHeld.promise;
    const unsubscribe = fixture.node().ctx.bus.subscribe((event) => {
      if (event.type !== 'ticket.created') return;
      transactions.push(
        other.begin(async (tx) => {
          await tx`select id from tickets where id = ${event.ticketId} for update`;
          ticketHeld.resolve();
          await ticketFree.promise;
        }),
      );
    });
    try {
      const visitor = await fixture.visitor();
      await ticketHeld.promise;
      routingFree.resolve();
      await fixture.node().routing.idle();
      expect(await rows.assigneeOf(visitor.started.ticketId)).toBeNull();
      expect((await rows.queue()).filter((row) => row.ticketId === visitor.started.ticketId)).toEqual([]);
      ticketFree.resolve();
      expect(await visitor.agent()).toBe(hana!.name);
      expect(visitor.positions).toEqual([]);
    } finally {
      unsubscribe();
      routingFree.resolve();
      ticketFree.resolve();
      await Promise.all(transactions);
      await other.end();
    }
  });
});

describeOnEachDriver('routing: round_robin', (db) => {
  const fixture = useRoutingFixture(db, { mode: 'round_robin', defaultCapacity: 3 });
  const rows = rowsOf(db);

  it('gives chats in turn, whatever each agent’s load', async () => {
    const [ana, beto] = await fixture.team(['Ana Turno', 'Beto Turno']);
    await goOnline(ana!);
    await goOnline(beto!);
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      const visitor = await fixture.visitor();
      order.push(await visitor.agent());
    }
    expect(order[0]).not.toBe(order[1]);
    expect(order.slice(2)).toEqual(order.slice(0, 2));
    const presence = await ana!.api.agents.presence.query();
    expect(presence.filter((p) => p.id === ana!.id || p.id === beto!.id).map((p) => [p.status, p.openChats, p.capacity])).toEqual([
      ['online', 2, 3],
      ['online', 2, 3],
    ]);
    expect((await rows.queue()).length).toBe(0);
  });
});

describeOnEachDriver('routing: manual', (db) => {
  const fixture = useRoutingFixture(db, { mode: 'manual' });
  const rows = rowsOf(db);

  it('never assigns and never queues: no queue:position, no agent:joined until an agent assigns by hand', async () => {
    const [ana] = await fixture.team(['Ana Manual']);
    await goOnline(ana!);
    const visitor = await fixture.visitor();
    await requestOk(visitor.socket, 'message:send', { body: 'Oi', clientMsgId: newClientMsgId() });
    await fixture.node().routing.idle();
    expect(await rows.assigneeOf(visitor.started.ticketId)).toBeNull();
    expect(await rows.queue()).toEqual([]);
    await ana!.api.tickets.assign.mutate({ id: visitor.started.ticketId, assigneeId: ana!.id });
    expect(await visitor.agent()).toBe(ana!.name);
    expect(visitor.positions).toEqual([]);
  });
});

describeOnEachDriver('routing with the assistant on', (db) => {
  const fixture = useRoutingFixture(
    db,
    { mode: 'least_busy' },
    { assistant: { faq: [{ question: 'Qual o prazo de entrega?', answer: 'Até 5 dias úteis.' }], handoffKeywords: ['atendente'] } },
  );
  const rows = rowsOf(db);

  it('a chat waits for a person only once escalated: then it is routed', async () => {
    const [ana] = await fixture.team(['Ana Escala']);
    await goOnline(ana!);
    const visitor = await fixture.visitor();
    const bot = waitForEvent<Message>(visitor.socket, 'message:new', (m) => m.senderType === 'bot');
    await requestOk(visitor.socket, 'message:send', { body: 'qual o prazo de entrega?', clientMsgId: newClientMsgId() });
    await bot;
    await fixture.node().automations.idle();
    await fixture.node().routing.idle();
    expect(await rows.assigneeOf(visitor.started.ticketId)).toBeNull();

    await requestOk(visitor.socket, 'message:send', { body: 'quero um atendente', clientMsgId: newClientMsgId() });
    expect(await visitor.agent()).toBe(ana!.name);
    expect(visitor.positions).toEqual([]);
    expect(await rows.assigneeOf(visitor.started.ticketId)).toBe(ana!.id);
  });
});
