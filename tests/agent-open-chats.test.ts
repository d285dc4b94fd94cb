import { eq, sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { agents, chatSessions } from '../server/db/schema.js';
import { rowsOf } from '../server/db/rows.js';
import { sweepIdleChats } from '../server/services/chat/sweepIdleChats.js';
import { sendCustomerMessage } from '../server/services/chat/continueChat.js';
import { newClientMsgId, requestOk } from './support/customer.js';
import { describeOnEachDriver, type TestDatabase } from './support/databases.js';
import { goOnline, useRoutedTeam, type TeamAgent, type WaitingVisitor } from './support/routing.js';

/**
 * `agents.open_chats` (PROTOCOL §8 `openChats`) is kept by the writes, not counted by routing:
 * after every path that opens or ends a chat of an assigned ticket or moves a ticket between
 * agents, it equals the agent's active sessions, counted.
 */

/** Each agent's kept count and its count from the sessions, for the agents given. */
async function openChatsOf(db: () => TestDatabase, ids: string[]): Promise<Array<{ kept: number; counted: number }>> {
  const result = await db().handle.db.execute(sql`
    select a.id, a.open_chats as kept,
      (select count(*) from chat_sessions s join tickets t on t.id = s.ticket_id
       where s.status = 'active' and t.assignee_id = a.id)::int as counted
    from agents a`);
  const byId = new Map(rowsOf<{ id: string; kept: number; counted: number }>(result).map((row) => [row.id, row]));
  return ids.map((id) => ({ kept: Number(byId.get(id)!.kept), counted: Number(byId.get(id)!.counted) }));
}

/** Asserts the kept counts are exact and are these. */
async function expectOpenChats(db: () => TestDatabase, team: TeamAgent[], expected: number[]): Promise<void> {
  expect(await openChatsOf(db, team.map((agent) => agent.id))).toEqual(expected.map((n) => ({ kept: n, counted: n })));
}

function useTeam(db: () => TestDatabase, routing: Record<string, unknown>, env: Record<string, string> = {}) {
  return useRoutedTeam(db, { routing }, env);
}

describeOnEachDriver('agents.open_chats: kept by every path that changes it', (db) => {
  // Manual routing: no pass runs, so no sweep recounts behind the paths' backs.
  const fixture = useTeam(db, { mode: 'manual' });

  it('assign, reassign, unassign; closed by the customer, by an agent, by the idle sweep; a continuation; an erasure', async () => {
    const team = await fixture.team(['Ana Conta', 'Beto Conta']);
    const [ana, beto] = team as [TeamAgent, TeamAgent];
    const chats = [];
    for (let i = 0; i < 6; i++) chats.push(await fixture.visitor());
    await expectOpenChats(db, team, [0, 0]);

    for (const chat of chats) await ana.api.tickets.assign.mutate({ id: chat.started.ticketId, assigneeId: ana.id });
    await expectOpenChats(db, team, [6, 0]);
    await ana.api.tickets.assign.mutate({ id: chats[0]!.started.ticketId, assigneeId: beto.id });
    await ana.api.tickets.update.mutate({ id: chats[1]!.started.ticketId, assigneeId: beto.id });
    await expectOpenChats(db, team, [4, 2]);
    await ana.api.tickets.assign.mutate({ id: chats[1]!.started.ticketId, assigneeId: null });
    await ana.api.tickets.assign.mutate({ id: chats[1]!.started.ticketId, assigneeId: null }); // no-op
    await expectOpenChats(db, team, [4, 1]);

    await requestOk(chats[0]!.socket, 'chat:close', {}); // Beto's, by the customer
    await beto.api.chats.close.mutate({ sessionId: chats[2]!.started.sessionId }); // Ana's, by an agent
    await requestOk(chats[2]!.socket, 'chat:close', {}); // already closed: nothing more
    await expectOpenChats(db, team, [3, 0]);

    // The idle sweep ends one of Ana's.
    await db()
      .handle.db.update(chatSessions)
      .set({ lastActivityAt: new Date(Date.now() - 3_600_000) })
      .where(eq(chatSessions.id, chats[3]!.started.sessionId));
    expect(await sweepIdleChats(60_000, fixture.node().ctx)).toBe(1);
    await expectOpenChats(db, team, [2, 0]);

    // A chat Beto's ticket had ended comes back as a new session of it (the `/c/` link path).
    await ana.api.tickets.assign.mutate({ id: chats[0]!.started.ticketId, assigneeId: beto.id }); // closed chat: moves nothing
    await expectOpenChats(db, team, [2, 0]);
    const [session] = await db().handle.db.select().from(chatSessions).where(eq(chatSessions.id, chats[0]!.started.sessionId));
    const chat = { ...chats[0]!.started, clientId: session!.clientId, customerName: session!.userName };
    const continued = await sendCustomerMessage({ chat, continuable: true }, { body: 'Voltei', clientMsgId: newClientMsgId() }, fixture.node().ctx);
    expect(continued.chat.sessionId).not.toBe(chat.sessionId);
    await expectOpenChats(db, team, [2, 1]);

    // Erasing a customer ends its open chat.
    const [erased] = await db().handle.db.select().from(chatSessions).where(eq(chatSessions.id, chats[4]!.started.sessionId));
    await fixture.admin().clients.erase.mutate({ id: erased!.clientId });
    await expectOpenChats(db, team, [1, 1]);
  });

  it('a chat ending while its ticket changes hands is counted once, whichever commits first', async () => {
    const team = await fixture.team(['Caio Corrida', 'Dora Corrida']);
    const [caio, dora] = team as [TeamAgent, TeamAgent];
    const chats: WaitingVisitor[] = [];
    for (let i = 0; i < 12; i++) chats.push(await fixture.visitor());
    for (const chat of chats) await caio.api.tickets.assign.mutate({ id: chat.started.ticketId, assigneeId: caio.id });
    await expectOpenChats(db, team, [12, 0]);
    // Every chat ends at the same time as its ticket goes to Dora; half of them also come back.
    await Promise.all(
      chats.flatMap((chat) => [
        requestOk(chat.socket, 'chat:close', {}),
        dora.api.tickets.assign.mutate({ id: chat.started.ticketId, assigneeId: dora.id }),
      ]),
    );
    await expectOpenChats(db, team, [0, 0]);
  });
});

describeOnEachDriver('agents.open_chats: the routing sweep recounts', (db) => {
  const fixture = useTeam(db, { mode: 'least_busy', defaultCapacity: 5 }, { PRESENCE_TIMEOUT_MS: '6000' });

  it('a count gone wrong (by hand here) is corrected by the next sweep, and routing follows the true count', async () => {
    const team = await fixture.team(['Eva Recontada']);
    const [eva] = team as [TeamAgent];
    await goOnline(eva);
    const first = await fixture.visitor();
    expect(await first.agent()).toBe(eva.name);
    await expectOpenChats(db, team, [1]);

    // Counted as full: routing gives her nothing until the sweep (every 375 ms here) recounts.
    await db().handle.db.update(agents).set({ openChats: 5 }).where(eq(agents.id, eva.id));
    const second = await fixture.visitor();
    expect(await second.agent()).toBe(eva.name);
    await expectOpenChats(db, team, [2]);
  });
});
