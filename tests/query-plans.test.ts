import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Executor, Transaction } from '../server/db/client.js';
import { rowsOf } from '../server/db/rows.js';
import { agentsRepository, routableAgents } from '../server/repositories/agents.js';
import { messageBatchesRepository } from '../server/repositories/messageBatches.js';
import { routingRepository } from '../server/repositories/routing.js';
import { ticketsRepository } from '../server/repositories/tickets.js';
import { chatSessionsRepository } from '../server/repositories/chatSessions.js';
import { customersRepository } from '../server/repositories/customers.js';
import { requeueChatsOfOfflineAgents } from '../server/services/routing/requeueChats.js';
import { fullScans, indexesRead } from '../scripts/bench/lib/queryPlans.js';
import { describeOnPostgres } from './support/databases.js';
import { genericPlans, statementOf, statementsOf, type Statement } from './support/genericPlans.js';

/**
 * The statements that run for every message batch and every routing pass read what they are
 * about — a batch's sessions, a pass's tickets, the head of the queue — not every active chat,
 * even on tables PostgreSQL has no statistics for (a fresh database, or autovacuum off, as on
 * this machine). Without statistics the planner takes `status = 'active'` for a rare value
 * and, with the ids joined in as `in (select … from jsonb_array_elements_text(…))`, read every
 * active session (and every unassigned ticket) to find a handful: 10 ms per statement at
 * 20,000 sessions, several per routing pass. Counted here as the heap rows each statement
 * fetches from `chat_sessions`, `tickets` and `chat_queue` (pg_stat_xact_user_tables), against thousands of
 * open chats that were never analyzed.
 */

const OPEN_CHATS = 20_000;
/** What a statement about a dozen chats may read; the whole table is OPEN_CHATS. */
const FEW = 100;

interface Chat {
  ticketId: string;
  sessionId: string;
}

describeOnPostgres('statements read what they are about, even without statistics', (db) => {
  let chats: Chat[] = [];
  let agentId = '';

  beforeAll(async () => {
    const ex = db().handle.db;
    // Open, unassigned chats, as a busy intake leaves them; the first half also queued.
    await ex.execute(sql`
      with c as (
        insert into clients (email, name, phone)
        select 'plan.' || g || '@example.com', 'Plan ' || g, '+5511' || lpad(g::text, 9, '0') from generate_series(1, ${OPEN_CHATS}) as g
        returning id
      ), t as (
        insert into tickets (subject, status, source, client_id) select 'Chat iniciado - Plan', 'OPEN', 'chat', id from c returning id, client_id
      )
      insert into chat_sessions (client_id, ticket_id, user_name, user_email, user_phone, locale, resume_token_hash, verified, matched_by, status, ticket_created_at)
      select client_id, id, 'Plan', 'plan@example.com', '+5511900000000', 'pt-BR', md5(id::text), false, 'new', 'active', now() from t`);
    chats = rowsOf<{ ticket_id: string; session_id: string }>(
      await ex.execute(sql`select ticket_id, id as session_id from chat_sessions order by started_at, id`),
    ).map((row) => ({ ticketId: row.ticket_id, sessionId: row.session_id }));
    await ex.execute(sql`
      insert into chat_queue (session_id, ticket_id, queued_at)
      select id, ticket_id, started_at from chat_sessions order by started_at, id limit ${OPEN_CHATS / 2}`);
    const [agent] = rowsOf<{ id: string }>(
      await ex.execute(sql`
        insert into agents (name, email, token_hash, status, status_changed_at, last_seen_at, capacity)
        values ('Plan Agent', 'plan.agent@example.com', md5(random()::text), 'online', now(), now(), 10)
        returning id`),
    );
    agentId = agent!.id;
    const [analyzed] = rowsOf<{ never: boolean }>(
      await ex.execute(sql`select reltuples < 0 as never from pg_class where relname = 'chat_sessions'`),
    );
    // Not a condition of the rule (with statistics the plans are good anyway), but what makes this test bite.
    if (!analyzed?.never) console.warn('chat_sessions has statistics already: this test proves less');
  });

  /** Heap rows of chat_sessions, tickets and chat_queue `statement` fetched, in a transaction rolled back after. */
  type TableCounts = { read: number; updated: number; hot: number };
  const TABLES = ['chat_sessions', 'tickets', 'chat_queue'] as const;

  /**
   * What `statement` did to chat_sessions, tickets and chat_queue, from pg_stat_xact_user_tables:
   * heap rows fetched, rows updated, and how many of those HOT. Its transaction is rolled back.
   */
  async function tableCounts(statement: (tx: Executor) => Promise<unknown>): Promise<Record<(typeof TABLES)[number], TableCounts>> {
    const rollback = new Error('rollback');
    const count = async (tx: Executor) => {
      const rows = rowsOf<{ relname: string; read: string | number; updated: string | number; hot: string | number }>(
        await tx.execute(sql`
          select relname, coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) as read, n_tup_upd as updated, n_tup_hot_upd as hot
          from pg_stat_xact_user_tables where relname in ('chat_sessions', 'tickets', 'chat_queue')`),
      );
      return (name: string): TableCounts => {
        const row = rows.find((candidate) => candidate.relname === name);
        return { read: Number(row?.read ?? 0), updated: Number(row?.updated ?? 0), hot: Number(row?.hot ?? 0) };
      };
    };
    let counted: Record<string, TableCounts> = {};
    await db()
      .handle.db.transaction(async (tx) => {
        const before = await count(tx);
        await statement(tx);
        const after = await count(tx);
        // Deltas: in PostgreSQL 15 these views also hold the connection's counts not yet reported.
        counted = Object.fromEntries(
          TABLES.map((name) => {
            const [a, b] = [after(name), before(name)];
            return [name, { read: a.read - b.read, updated: a.updated - b.updated, hot: a.hot - b.hot }];
          }),
        );
        throw rollback;
      })
      .catch((error: unknown) => {
        if (error !== rollback) throw error;
      });
    return counted as Record<(typeof TABLES)[number], TableCounts>;
  }

  /** Heap rows `statement` fetched from chat_sessions, tickets and chat_queue. */
  async function rowsRead(statement: (tx: Executor) => Promise<unknown>): Promise<{ sessions: number; tickets: number; queue: number }> {
    const counts = await tableCounts(statement);
    return { sessions: counts.chat_sessions.read, tickets: counts.tickets.read, queue: counts.chat_queue.read };
  }

  const routable = () => routableAgents(3_600_000, 10);
  const fresh = () => chats.slice(-12); // not queued: they start waiting now
  const waiting = (ticketIds?: string[]) => ({ ticketIds, assistantOn: false });

  it('a message batch locks its sessions by id', async () => {
    const batch = chats.slice(100, 112).map((chat) => chat.sessionId);
    let locked = 0;
    const read = await rowsRead(async (tx) => {
      locked = (await messageBatchesRepository.lockActiveSessions(tx, batch)).length;
    });
    expect(locked).toBe(12);
    expect(read.sessions).toBeLessThan(FEW);
  });

  it('a message batch sets its sessions’ last seq and its tickets’ counters by id', async () => {
    const batch = chats.slice(200, 212);
    const read = await rowsRead(async (tx) => {
      await messageBatchesRepository.updateSessions(
        tx,
        new Map(batch.map((chat) => [chat.sessionId, { lastSeq: 1, customer: true, agent: false, agentAfterCustomer: false }])),
      );
      await messageBatchesRepository.countCustomerMessages(tx, new Map(batch.map((chat) => [chat.ticketId, 1])));
    });
    expect(read.sessions + read.tickets).toBeLessThan(FEW);
  });

  it('a message batch’s updates stay on their pages: no index entry written (HOT)', async () => {
    const batch = chats.slice(300, 312);
    /** Rows `statement` updated in chat_sessions and tickets, and how many of them HOT. */
    const updates = async (statement: (tx: Executor) => Promise<unknown>) => {
      const counts = await tableCounts(statement);
      const updatedOf = ({ updated, hot }: TableCounts) => ({ updated, hot });
      return { chat_sessions: updatedOf(counts.chat_sessions), tickets: updatedOf(counts.tickets) };
    };
    const sessions = await updates((tx) =>
      messageBatchesRepository.updateSessions(
        tx,
        new Map(batch.map((chat) => [chat.sessionId, { lastSeq: 2, customer: true, agent: false, agentAfterCustomer: false }])),
      ),
    );
    expect(sessions.chat_sessions).toEqual({ updated: 12, hot: 12 });
    const counters = await updates((tx) => messageBatchesRepository.countCustomerMessages(tx, new Map(batch.map((chat) => [chat.ticketId, 1]))));
    expect(counters.tickets).toEqual({ updated: 12, hot: 12 });
  });

  it('a routing pass reads the head of the queue and its own new chats, whatever the number of open chats', async () => {
    const ticketIds = fresh().map((chat) => chat.ticketId);
    let listed = 0;
    const listing = await rowsRead(async (tx) => {
      listed = (await routingRepository.listWaiting(tx, waiting(ticketIds), routable())).length;
    });
    // Room for 10: the queue's first 10, and the 12 new chats (given or queued by the pass).
    expect(listed).toBe(22);
    expect(listing.sessions + listing.tickets + listing.queue).toBeLessThan(FEW);

    let lockedTickets = 0;
    const locking = await rowsRead(async (tx) => {
      lockedTickets = (await routingRepository.lockFirstWaiting(tx, waiting(ticketIds), routable())).size;
    });
    expect(lockedTickets).toBe(10);
    expect(locking.sessions + locking.tickets + locking.queue).toBeLessThan(FEW);

    const queueing = await rowsRead(async (tx) => {
      await routingRepository.enqueue(tx, waiting(ticketIds));
      await routingRepository.dropSettled(tx, ticketIds);
      await routingRepository.removeTickets(tx, ticketIds);
    });
    expect(queueing.sessions + queueing.tickets + queueing.queue).toBeLessThan(FEW);
  });

  it('assigning a pass’s tickets touches those tickets and their sessions only', async () => {
    const given = fresh();
    let updated = 0;
    const read = await rowsRead(async (tx) => {
      updated = (await ticketsRepository.setAssignees(tx, new Map(given.map((chat) => [chat.ticketId, agentId])), new Date())).length;
      await agentsRepository.moveOpenChats(tx, given.map((chat) => ({ ticketId: chat.ticketId, from: null, to: agentId })));
    });
    expect(updated).toBe(12);
    expect(read.sessions + read.tickets).toBeLessThan(FEW);
  });

  it('a sweep looks at no open chat for agents long offline who hold none', async () => {
    // Someone is always offline in a team: here since yesterday, revoked, never seen — holding nothing.
    await db().handle.db.execute(sql`
      insert into agents (name, email, token_hash, status, status_changed_at, last_seen_at, revoked_at)
      values ('Plan Off', 'plan.off@example.com', md5(random()::text), 'offline', now() - interval '1 day', now() - interval '1 day', null),
             ('Plan Gone', 'plan.gone@example.com', md5(random()::text), 'offline', now() - interval '1 day', null, now() - interval '1 day')`);
    const settings = { mode: 'least_busy' as const, defaultCapacity: 10, reassignAfterOfflineMs: 60_000, presenceTimeoutMs: 60_000, assistantOn: false };
    const facts = { record: async () => {}, recorded: () => {} };
    let requeued = -1;
    const read = await rowsRead(async (tx) => {
      requeued = (await requeueChatsOfOfflineAgents(tx as Transaction, facts, settings)).assignments.length;
    });
    expect(requeued).toBe(0);
    expect(read.sessions + read.tickets).toBeLessThan(FEW);
  });
});

/**
 * A prepared statement keeps the generic plan PostgreSQL made on its sixth run, as the tables
 * grow, until ANALYZE (never, with autovacuum off; a while, on a new deployment). The routing
 * passes' and the message batches' statements are prepared (they run in transactions), and the
 * first of them run while the tables are nearly empty: those plans must stay good at any size.
 * Here each statement's generic plan is made with three open chats, then run (EXPLAIN ANALYZE)
 * at 3,000. Joined instead of looked up by key, the routing plans read every active session for
 * a pass's dozen tickets and every unassigned ticket for each session (a sweep compared every
 * pair: 100 ms at 1,000 open chats).
 */
/** A chat and its customer. */
type OpenChat = Chat & { clientId: string };

describeOnPostgres('plans made while the tables were small', (db) => {
  const SMALL = 3;
  const GROWN = 3_000;
  const routable = routableAgents(3_600_000, 10);
  let client: postgres.Sql;
  let plans: ReturnType<typeof genericPlans>;
  let fresh: OpenChat[] = [];
  let agentId = '';

  /** Open chats, unassigned (as a busy intake leaves them), with a customer message each. */
  async function openChats(count: number): Promise<OpenChat[]> {
    const rows = await client`
      with c as (
        insert into clients (email, name, phone)
        select 'small.' || md5(random()::text) || '@example.com', 'Small ' || g, null from generate_series(1, ${count}::int) as g
        returning id
      ), t as (
        insert into tickets (subject, status, source, client_id) select 'Chat iniciado - Small', 'OPEN', 'chat', id from c returning id, client_id
      ), s as (
        insert into chat_sessions (client_id, ticket_id, user_name, user_email, user_phone, locale, resume_token_hash, verified, matched_by, status, ticket_created_at, last_seq)
        select client_id, id, 'Small', 'small@example.com', '+5511900000000', 'pt-BR', md5(id::text), false, 'new', 'active', now(), 1 from t
        returning id, ticket_id
      ), m as (
        insert into chat_messages (session_id, seq, sender_type, sender_name, body, client_msg_id)
        select id, 1, 'client', 'Small', 'Olá', 'small-' || id from s
      )
      select s.id as session_id, s.ticket_id, t.client_id from s join t on t.id = s.ticket_id`;
    return rows.map((row) => ({ sessionId: row.session_id as string, ticketId: row.ticket_id as string, clientId: row.client_id as string }));
  }

  const routingStatements = (chats: Chat[]) => {
    const ticketIds = chats.map((chat) => chat.ticketId);
    return {
      enqueue: statementOf(client, (ex) => routingRepository.enqueue(ex, { ticketIds, assistantOn: false })),
      sweepEnqueue: statementOf(client, (ex) => routingRepository.enqueue(ex, { assistantOn: false })),
      list: statementOf(client, (ex) => routingRepository.listWaiting(ex, { ticketIds, assistantOn: false }, routable)),
      sweepList: statementOf(client, (ex) => routingRepository.listWaiting(ex, { assistantOn: false }, routable)),
      drop: statementOf(client, (ex) => routingRepository.dropSettled(ex, ticketIds)),
      sweepDrop: statementOf(client, (ex) => routingRepository.dropSettled(ex)),
      lockFirst: statementOf(client, (ex) => routingRepository.lockFirstWaiting(ex, { ticketIds, assistantOn: false }, routable)),
      assign: statementOf(client, (ex) => ticketsRepository.setAssignees(ex, new Map(ticketIds.map((id) => [id, agentId])), new Date())),
      move: statementOf(client, (ex) => agentsRepository.moveOpenChats(ex, ticketIds.map((ticketId) => ({ ticketId, from: null, to: agentId })))),
      requeueLock: statementOf(client, (ex) => ticketsRepository.lockManyUnlessBusy(ex, ticketIds)),
      assignees: statementOf(client, (ex) => ticketsRepository.lockAssignees(ex, ticketIds)),
    };
  };

  const batchStatements = (chats: Chat[]) => ({
    lock: statementOf(client, (ex) => messageBatchesRepository.lockActiveSessions(ex, chats.map((chat) => chat.sessionId))),
    retried: statementOf(client, (ex) => messageBatchesRepository.findByClientMsgIds(ex, chats.map((chat) => ({ sessionId: chat.sessionId, clientMsgId: `small-${chat.sessionId}` })))),
    sessions: statementOf(client, (ex) =>
      messageBatchesRepository.updateSessions(ex, new Map(chats.map((chat) => [chat.sessionId, { lastSeq: 2, customer: true, agent: false, agentAfterCustomer: false }]))),
    ),
    counters: statementOf(client, (ex) => messageBatchesRepository.countCustomerMessages(ex, new Map(chats.map((chat) => [chat.ticketId, 1])))),
    // As many ids at either size: its text (Drizzle's `in ($1, …)`) is one per number of ids.
    answered: statementOf(client, (ex) => messageBatchesRepository.markFirstResponses(ex, chats.slice(0, SMALL).map((chat) => chat.ticketId))),
  });

  const sweepStatements = (chats: OpenChat[]) => ({
    // Locks the idle chats, then closes each (two statements).
    idleLock: statementsOf(client, (ex) => chatSessionsRepository.closeIdle(ex, 0, 12)).then((sent) => sent[0]!),
    idleClose: statementsOf(client, (ex) => chatSessionsRepository.closeIdle(ex, 0, 12)).then((sent) => sent[1]!),
    numbers: statementOf(client, (ex) => ticketsRepository.numbersById(ex, chats.slice(0, SMALL).map((chat) => chat.ticketId))),
    close: statementOf(client, (ex) => chatSessionsRepository.close(ex, chats[0]!.sessionId, 'client')),
    customers: statementOf(client, (ex) => customersRepository.lockInIdOrder(ex, [chats[0]!.clientId])),
  });

  /** What grows with the tables in each statement's plan, run at GROWN chats with the plan made at SMALL. */
  async function scansOf(statements: Record<string, Promise<Statement>>): Promise<Record<string, string[]>> {
    const found: Record<string, string[]> = {};
    for (const [name, statement] of Object.entries(statements)) found[name] = fullScans(await plans.explain(name, await statement));
    return found;
  }

  beforeAll(async () => {
    client = postgres(db().url!, { max: 1, onnotice: () => {} });
    plans = genericPlans(client);
    await client`set plan_cache_mode = force_generic_plan`;
    const [agent] = await client`
      insert into agents (name, email, token_hash, status, status_changed_at, last_seen_at, capacity)
      values ('Small Agent', 'small.agent@example.com', md5(random()::text), 'online', now(), now(), 10)
      returning id`;
    agentId = agent!.id as string;
    const small = await openChats(SMALL);
    await client`insert into chat_queue (session_id, ticket_id, queued_at) select id, ticket_id, started_at from chat_sessions`;
    for (const [name, statement] of Object.entries({ ...routingStatements(small), ...batchStatements(small), ...sweepStatements(small) })) await plans.prepare(name, await statement);

    await openChats(GROWN / 2);
    await client`insert into chat_queue (session_id, ticket_id, queued_at) select id, ticket_id, started_at from chat_sessions on conflict do nothing`;
    fresh = (await openChats(GROWN / 2)).slice(-12); // a pass's new chats, not queued yet
  });
  afterAll(() => client.end());

  it('a routing pass and a sweep read what they are about at a thousand times the chats their plans were made for', async () => {
    const found = await scansOf(routingStatements(fresh));
    // A sweep reads every open chat by design; what it must not do is compare every pair.
    for (const sweep of ['sweepEnqueue', 'sweepList', 'sweepDrop']) found[sweep] = found[sweep]!.filter((scan) => !scan.startsWith('Seq Scan'));
    expect(found).toEqual({ enqueue: [], sweepEnqueue: [], list: [], sweepList: [], drop: [], sweepDrop: [], lockFirst: [], assign: [], move: [], requeueLock: [], assignees: [] });
  });

  it('the idle sweep, a chat\'s close and a customer\'s lock read what they are about at a thousand times the chats', async () => {
    const found = await scansOf(sweepStatements(fresh));
    // The sweep reads the open chats whole by design (the partial index), never every session.
    expect(found).toEqual({ idleLock: [], idleClose: [], numbers: [], close: [], customers: [] });
  });

  it('a message batch reads its own sessions and tickets at a thousand times the chats its plans were made for', async () => {
    expect(await scansOf(batchStatements(fresh))).toEqual({ lock: [], retried: [], sessions: [], counters: [], answered: [] });
  });
});

describeOnPostgres('the queue numbered while it was short', (db) => {
  let client: postgres.Sql;
  let plans: ReturnType<typeof genericPlans>;
  /** Queued chats after every one queued so far: numbered from `from` on, or not numbered yet (null). */
  const queue = (count: number, from: number | null) => client`
    insert into chat_queue (session_id, ticket_id, queued_at, position)
    select gen_random_uuid(), gen_random_uuid(), clock_timestamp(), case when ${from}::int is null then null else ${from}::int + g - 1 end
    from generate_series(1, ${count}::int) as g`;
  const renumber = () => statementOf(client, (ex) => routingRepository.renumber(ex, { onlyAdded: true }));

  beforeAll(async () => {
    client = postgres(db().url!, { max: 1, onnotice: () => {} });
    plans = genericPlans(client);
    await client`set plan_cache_mode = force_generic_plan`;
    await queue(3, 1);
    await queue(1, null);
    await plans.prepare('renumber', await renumber());
  });
  afterAll(() => client.end());

  it('a pass that only added chats numbers those, not the queue, at a thousand times the chats its plan was made for', async () => {
    await client`update chat_queue set position = 4 where position is null`;
    await queue(3_000, 5);
    await queue(12, null);
    const plan = await plans.explain('renumber', await renumber());
    const read = [...indexesRead(plan)];
    expect(read).toContain('chat_queue_unnumbered_idx (bitmap)');
    expect(read.filter((how) => how.startsWith('Seq Scan'))).toEqual([]);
    expect(await client`select count(*)::int as n from chat_queue where position is null`).toEqual([{ n: 12 }]); // rolled back
  });
});
