import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { rowsOf } from '../db/rows.js';
import { tickets, type TicketRow } from '../db/schema.js';
import { anyOfIds, eachOfIds } from '../db/idList.js';

/** A chat that waits for a person, in queue order. */
export interface WaitingChat {
  sessionId: string;
  ticketId: string;
  /** In `chat_queue` already; false: it starts waiting now (not written to the queue yet). */
  queued: boolean;
}

/** Which chats may wait: of these tickets (undefined: every ticket); `everyChat`: even with the assistant on. */
export interface WaitingOptions {
  ticketIds?: string[];
  assistantOn: boolean;
  everyChat?: boolean;
}

/** SQL of routing (PROTOCOL §8): the `chat_queue` table and what the routing pass reads. */
export const routingRepository = {
  /**
   * Holds the routing lock until the transaction ends: one routing pass at a time across every
   * node, so no chat is assigned twice and no agent filled past its capacity.
   */
  async lock(ex: Executor): Promise<void> {
    await ex.execute(sql`select pg_advisory_xact_lock(${ROUTING_LOCK_KEY})`);
  },

  /**
   * Puts in the queue the open, unassigned chats that wait for a person: of these tickets, or
   * of every ticket (the periodic sweep's safety net). With the assistant on, a chat waits only
   * once escalated or answered by an agent, unless `everyChat` (chats taken back from an agent).
   * A chat waits since its start, or since its escalation.
   */
  async enqueue(ex: Executor, options: WaitingOptions): Promise<void> {
    if (options.ticketIds?.length === 0) return;
    await ex.execute(sql`
      insert into chat_queue (session_id, ticket_id, queued_at)
      select s.id, s.ticket_id, coalesce(t.escalated_at, s.started_at)
      from ${sessionsOf(options)} s ${ITS_TICKET}
      where ${waitsForPerson(options)}
      on conflict (session_id) do nothing`);
  },

  /**
   * The chats that may be given now, oldest first: the queue's first chats still waiting (as
   * many as the agents in `routable` have room for — room counted in the same statement — so
   * a long queue costs a pass what it can give, not its length), and merged into them in order
   * the chats of these tickets (or of every ticket: the sweep) that wait for a person and are
   * not queued yet (`queued` false), as `enqueue` would queue them. A pass gives these at once
   * without writing them to the queue, and queues only those left waiting.
   */
  async listWaiting(ex: Executor, options: WaitingOptions, routable: SQL): Promise<WaitingChat[]> {
    const result = await ex.execute(sql`
      select w.session_id, w.ticket_id, w.queued from (${waitingChats(options, routable)}) as w order by w.queued_at, w.session_id`);
    return rowsOf<{ session_id: string; ticket_id: string; queued: boolean }>(result).map((row) => ({
      sessionId: row.session_id,
      ticketId: row.ticket_id,
      queued: row.queued,
    }));
  },

  /**
   * Locks, in one statement and unless another transaction holds them, the tickets of the
   * oldest waiting chats (as `listWaiting` lists them) that the agents in `routable` have room
   * for — room counted in the same statement — so the lock goes out with the pass's reads
   * instead of after them. Only tickets that can be given now are locked: a queued customer's
   * message is never kept waiting by a pass that cannot give its chat.
   */
  async lockFirstWaiting(ex: Executor, options: WaitingOptions, routable: SQL): Promise<Map<string, TicketRow>> {
    // Each ticket looked up by its key: `= any(array[…])` can drive no hash join (sessionsOf).
    const rows = await ex
      .select({ ticket: tickets })
      .from(sql`(
          with waiting as (${waitingChats(options, routable)}),
          ranked as (
            select ticket_id, min(place) as place
            from (select ticket_id, row_number() over (order by queued_at, session_id) as place from waiting) as w
            group by ticket_id
          )
          select ticket_id from ranked order by place
          limit ${roomOf(routable)}) as k`)
      .innerJoin(tickets, sql`${tickets.id} = any(array[k.ticket_id])`)
      .for('update', { of: tickets, skipLocked: true });
    return new Map(rows.map(({ ticket }) => [ticket.id, ticket]));
  },

  /**
   * Takes out of the queue the chats that ended or that someone was assigned to meanwhile: of
   * these tickets (a pass asked for them), or every one (undefined: the sweep). Answers how
   * many left. A settled chat of another ticket stays until the sweep, but is never given.
   */
  async dropSettled(ex: Executor, ticketIds?: string[]): Promise<number> {
    if (ticketIds?.length === 0) return 0;
    const ofTickets = ticketIds
      ? sql`and q.ticket_id ${anyOfIds(ticketIds)}`
      : sql``;
    const result = await ex.execute(sql`
      with dropped as (
        delete from chat_queue q
        where not exists (
          select 1 from ${QUEUED_SESSION} ${ITS_TICKET}
          where s.status = 'active' and t.assignee_id is null
        ) ${ofTickets}
        returning 1
      )
      select count(*)::int as count from dropped`);
    return Number(rowsOf<{ count: number | string }>(result)[0]?.count ?? 0);
  },

  /** Takes these tickets' chats out of the queue (they were assigned). */
  async removeTickets(ex: Executor, ticketIds: string[]): Promise<void> {
    if (ticketIds.length === 0) return;
    await ex.execute(sql`
      delete from chat_queue
      where ticket_id ${anyOfIds(ticketIds)}`);
  },

  /**
   * Numbers the queue 1, 2, 3… and answers the chats whose number differs from the one their
   * customer was last told (so only they are told again). `onlyAdded`: since the queue was last
   * numbered, chats were only added (none left): when they all come after the last one numbered
   * — the usual case, new chats at the end — only they are numbered, following it, instead of
   * the whole queue; otherwise every chat is, as without it.
   */
  async renumber(ex: Executor, options: { onlyAdded?: boolean } = {}): Promise<Array<{ sessionId: string; position: number }>> {
    const appending = options.onlyAdded
      ? sql`not exists (select 1 from chat_queue o, last where o.position is null and (o.queued_at, o.session_id) < (last.queued_at, last.session_id))`
      : sql`false`;
    const result = await ex.execute(sql`
      with last as (
        select queued_at, session_id, position from chat_queue where position is not null order by queued_at desc, session_id desc limit 1
      ), appending as (select ${appending} as yes),
      -- Appending: only the chats not numbered yet (chat_queue_unnumbered_idx), after the last
      -- one, each written by its key ("= any(array[…])" drives no hash join over the whole queue).
      appended as (
        update chat_queue q set position = r.position
        from (
          select session_id, row_number() over (order by queued_at, session_id)::int + coalesce((select position from last), 0) as position
          from chat_queue where position is null and (select yes from appending)
        ) r
        where q.session_id = any(array[r.session_id])
        returning q.session_id, q.position
      ),
      -- Otherwise the whole queue, which a hash join writes fastest. One of the two runs.
      renumbered as (
        update chat_queue q set position = r.position
        from (
          select session_id, row_number() over (order by queued_at, session_id)::int as position
          from chat_queue where not (select yes from appending)
        ) r
        where q.session_id = r.session_id and q.position is distinct from r.position
        returning q.session_id, q.position
      )
      select session_id, position from appended
      union all
      select session_id, position from renumbered`);
    return rowsOf<{ session_id: string; position: number | string }>(result).map((row) => ({
      sessionId: row.session_id,
      position: Number(row.position),
    }));
  },

  /** Tickets of these agents that have an open chat (walks the active sessions, not the agents' history). */
  async openTicketsOf(ex: Executor, agentIds: string[]): Promise<string[]> {
    if (agentIds.length === 0) return [];
    const result = await ex.execute(sql`
      select distinct t.id from chat_sessions s join tickets t on t.id = s.ticket_id
      where s.status = 'active'
        and t.assignee_id ${anyOfIds(agentIds)}`);
    return rowsOf<{ id: string }>(result).map((row) => row.id);
  },
};

/**
 * SQL of the chats that may be given now: `session_id, ticket_id, queued_at, queued` — the
 * queue's first chats still waiting, as many as the agents in `routable` have room for (in
 * queue order, through its index), and the chats of `options` that wait for a person and are
 * not queued (none when `ticketIds` is empty).
 */
function waitingChats(options: WaitingOptions, routable: SQL): SQL {
  const fresh =
    options.ticketIds?.length === 0
      ? sql``
      : sql`
        union all
        select s.id, s.ticket_id, coalesce(t.escalated_at, s.started_at), false
        from ${sessionsOf(options)} s ${ITS_TICKET}
        where ${waitsForPerson(options)} and not exists (select 1 from chat_queue q where q.session_id = s.id)`;
  return sql`
    (select q.session_id, q.ticket_id, q.queued_at, true as queued
     from chat_queue q cross join lateral (
       -- Each queued chat looked up by its keys, in queue order, until the room is filled.
       select 1 from ${QUEUED_SESSION} ${ITS_TICKET}
       where s.status = 'active' and t.assignee_id is null) as still_waiting
     order by q.queued_at, q.session_id
     limit ${roomOf(routable)})
    ${fresh}`;
}

/** SQL of the chats the agents in `routable` have room for, all together. */
function roomOf(routable: SQL): SQL {
  return sql`(select coalesce(sum(greatest(r.capacity - r.open_chats, 0)), 0) from (${routable}) as r)`;
}

/**
 * The chat (`s`, its ticket `t`) is open, nobody has its ticket, and it waits for a person:
 * always, or with the assistant on only once escalated or answered by an agent.
 */
function waitsForPerson(options: WaitingOptions): SQL {
  const needsPerson = options.assistantOn && !options.everyChat ? sql`and (t.escalated or t.first_response_at is not null)` : sql``;
  return sql`s.status = 'active' and t.assignee_id is null ${needsPerson}`;
}

/**
 * The sessions a pass looks at (as `s`): of these tickets, each looked up in the ticket index,
 * or all. Fenced lookups by key (lateral, `offset 0`: the conditions on `s` and `t` stay
 * outside), because a prepared statement keeps the generic plan PostgreSQL made on its sixth
 * run, however the tables grow after (until ANALYZE; never on a database without autovacuum).
 * Made while the tables were small, joins planned as free read every active session for a
 * pass's ids, and every unassigned ticket for each session: a sweep at 1,000 open chats
 * compared a million pairs (100 ms), and it grows as the square (tests/query-plans.test.ts).
 */
function sessionsOf(options: WaitingOptions): SQL {
  return options.ticketIds
    ? sql`(select s.* from ${eachOfIds(options.ticketIds)} as k(id) cross join lateral (select * from chat_sessions where ticket_id = k.id offset 0) as s)`
    : sql`chat_sessions`;
}

/** The session of queued chat `q`, as `s`, looked up by its key (fenced, as in `sessionsOf`). */
const QUEUED_SESSION = sql.raw('(select * from chat_sessions where id = q.session_id offset 0) as s');

/** Joins session `s`'s ticket as `t`, looked up by its key (fenced, as in `sessionsOf`). */
const ITS_TICKET = sql.raw('cross join lateral (select * from tickets where id = s.ticket_id offset 0) as t');

// Any constant distinct from the migration's and the bootstrap's locks.
export const ROUTING_LOCK_KEY = 7_247_362_023;
