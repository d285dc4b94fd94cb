import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { rowsOf } from '../db/rows.js';
import { tickets, type TicketRow } from '../db/schema.js';

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
      from chat_sessions s join tickets t on t.id = s.ticket_id
      where ${waitsForPerson(options)}
      on conflict (session_id) do nothing`);
  },

  /**
   * Every chat that waits, oldest first: the queue, and merged into it in order the chats of
   * these tickets (or of every ticket: the sweep) that wait for a person and are not queued yet
   * (`queued` false), as `enqueue` would queue them. A pass gives these at once without writing
   * them to the queue, and queues only those left waiting.
   */
  async listWaiting(ex: Executor, options: WaitingOptions): Promise<WaitingChat[]> {
    const result = await ex.execute(sql`
      select w.session_id, w.ticket_id, w.queued from (${waitingChats(options)}) as w order by w.queued_at, w.session_id`);
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
    const rows = await ex
      .select()
      .from(tickets)
      .where(
        sql`${tickets.id} in (
          with waiting as (${waitingChats(options)}),
          ranked as (
            select ticket_id, min(place) as place
            from (select ticket_id, row_number() over (order by queued_at, session_id) as place from waiting) as w
            group by ticket_id
          )
          select ticket_id from ranked order by place
          limit (select coalesce(sum(greatest(r.capacity - r.open_chats, 0)), 0) from (${routable}) as r))`,
      )
      .for('update', { skipLocked: true });
    return new Map(rows.map((row) => [row.id, row]));
  },

  /** Takes out of the queue the chats that ended or that someone was assigned to meanwhile. */
  async dropSettled(ex: Executor): Promise<void> {
    await ex.execute(sql`
      delete from chat_queue q
      where not exists (
        select 1 from chat_sessions s join tickets t on t.id = s.ticket_id
        where s.id = q.session_id and s.status = 'active' and t.assignee_id is null
      )`);
  },

  /** Takes these tickets' chats out of the queue (they were assigned). */
  async removeTickets(ex: Executor, ticketIds: string[]): Promise<void> {
    if (ticketIds.length === 0) return;
    await ex.execute(sql`
      delete from chat_queue
      where ticket_id in (select value::uuid from jsonb_array_elements_text(${JSON.stringify(ticketIds)}::jsonb))`);
  },

  /**
   * Numbers the queue 1, 2, 3… and answers the chats whose number differs from the one their
   * customer was last told (so only they are told again).
   */
  async renumber(ex: Executor): Promise<Array<{ sessionId: string; position: number }>> {
    const result = await ex.execute(sql`
      with ranked as (
        select session_id, row_number() over (order by queued_at, session_id)::int as position from chat_queue
      )
      update chat_queue q set position = ranked.position
      from ranked
      where q.session_id = ranked.session_id and q.position is distinct from ranked.position
      returning q.session_id, q.position`);
    return rowsOf<{ session_id: string; position: number | string }>(result).map((row) => ({
      sessionId: row.session_id,
      position: Number(row.position),
    }));
  },

  /** The place in the queue the session's customer was last told; undefined when not queued. */
  async positionOf(ex: Executor, sessionId: string): Promise<number | undefined> {
    const result = await ex.execute(sql`select position from chat_queue where session_id = ${sessionId}::uuid`);
    const position = rowsOf<{ position: number | string | null }>(result)[0]?.position;
    return position === null || position === undefined ? undefined : Number(position);
  },

  /** Tickets of these agents that have an open chat (walks the active sessions, not the agents' history). */
  async openTicketsOf(ex: Executor, agentIds: string[]): Promise<string[]> {
    if (agentIds.length === 0) return [];
    const result = await ex.execute(sql`
      select distinct t.id from chat_sessions s join tickets t on t.id = s.ticket_id
      where s.status = 'active'
        and t.assignee_id in (select value::uuid from jsonb_array_elements_text(${JSON.stringify(agentIds)}::jsonb))`);
    return rowsOf<{ id: string }>(result).map((row) => row.id);
  },
};

/**
 * SQL of the chats that wait: `session_id, ticket_id, queued_at, queued` — the queue's rows, and
 * the chats of `options` that wait for a person and are not queued (none when `ticketIds` is empty).
 */
function waitingChats(options: WaitingOptions): SQL {
  const fresh =
    options.ticketIds?.length === 0
      ? sql``
      : sql`
        union all
        select s.id, s.ticket_id, coalesce(t.escalated_at, s.started_at), false
        from chat_sessions s join tickets t on t.id = s.ticket_id
        where ${waitsForPerson(options)} and not exists (select 1 from chat_queue q where q.session_id = s.id)`;
  return sql`select session_id, ticket_id, queued_at, true as queued from chat_queue ${fresh}`;
}

/**
 * The chat (`s`, its ticket `t`) is open, nobody has its ticket, and it waits for a person:
 * always, or with the assistant on only once escalated or answered by an agent.
 */
function waitsForPerson(options: WaitingOptions): SQL {
  const ofTickets = options.ticketIds
    ? sql`and s.ticket_id in (select value::uuid from jsonb_array_elements_text(${JSON.stringify(options.ticketIds)}::jsonb))`
    : sql``;
  const needsPerson = options.assistantOn && !options.everyChat ? sql`and (t.escalated or t.first_response_at is not null)` : sql``;
  return sql`s.status = 'active' and t.assignee_id is null ${ofTickets} ${needsPerson}`;
}

// Any constant distinct from the migration's and the bootstrap's locks.
export const ROUTING_LOCK_KEY = 7_247_362_023;
