import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import type { ChatMessageRow } from '../db/schema.js';
import { rowsOf } from '../db/rows.js';

/** An event as the log stores it: a message.created row names its message instead of copying it. */
export interface NewLoggedEvent {
  ticketId: string;
  type: string;
  messageId: string | null;
  payload: Record<string, unknown>;
}

export interface LoggedEventRow {
  position: number;
  payload: Record<string, unknown>;
  /** The message a message.created row names (null when it names none, or it is gone). */
  message: ChatMessageRow | null;
}

interface RawLoggedEvent {
  position: string | number | bigint;
  payload: Record<string, unknown> | string;
  m_id: string | null;
  m_session_id: string;
  m_seq: number;
  m_sender_type: ChatMessageRow['senderType'];
  m_agent_id: string | null;
  m_sender_name: string | null;
  m_body: string;
  m_client_msg_id: string | null;
  m_created_ms: string | number | bigint;
}

/**
 * The append as the last CTEs of a statement (`allocated`, then `logged`, returning each event's
 * position, ticket_id and payload): `count` events, from `events` (columns ord, ticket_id, type,
 * message_id, payload), numbered in `ord` order. `after`: the statement's other data-modifying
 * CTEs (each returning rows), read before the lock is taken, so it is still taken last.
 */
export function eventLogAppend(count: number, events: SQL, after: string[] = []): SQL {
  const readFirst = after.length > 0 ? sql.raw(`${after.map((cte) => `(select count(*) from ${cte})`).join(' + ')} >= 0`) : sql`true`;
  return sql`allocated as (
      insert into domain_event_positions as p (id, last)
      select 1, ${count}::int where ${readFirst}
      on conflict (id) do update set last = p.last + ${count}::int
      returning last
    ), logged as (
      insert into domain_events (position, ticket_id, type, message_id, payload)
      select a.last - ${count}::int + row_number() over (order by e.ord), e.ticket_id, e.type, e.message_id, e.payload
      from allocated a, (${events}) e
      returning position, ticket_id, payload
    )`;
}

/**
 * SQL of the event log (PROTOCOL §13).
 *
 * Why positions come from a row lock taken at the end of the transaction, not from a sequence:
 * a sequence hands out numbers when rows are inserted, not when they commit, so a transaction
 * holding 10 may commit after the one holding 11, and a client that saw 11 live and resumes
 * from it would never get 10. Here `append` is the last statement of every transaction that
 * logs events: it takes the lock of the one `domain_event_positions` row and keeps it to
 * commit. So positions are handed out in commit order, and without gaps (a rollback gives its
 * numbers back): when `last` reads N, every event up to N is committed and readable. The lock
 * is held for one statement and the commit, and taken last, after every other lock of the
 * transaction, so it cannot be part of a deadlock.
 */
export const domainEventsRepository = {
  /** Logs the events in order; answers the position of the last one (the first is last - n + 1). */
  async append(ex: Executor, events: NewLoggedEvent[]): Promise<number> {
    const result = await ex.execute(sql`
      with ${eventLogAppend(
        events.length,
        sql`select e.ord, (e.value->>'ticketId')::uuid as ticket_id, e.value->>'type' as type, (e.value->>'messageId')::uuid as message_id,
          e.value->'payload' as payload
        from jsonb_array_elements(${JSON.stringify(events)}::jsonb) with ordinality as e(value, ord)`,
      )}
      select position from logged`);
    return Math.max(...rowsOf<{ position: string | number }>(result).map((row) => Number(row.position)));
  },

  /** The last position handed out (0 before the first event): every event up to it is committed. */
  async newestPosition(ex: Executor): Promise<number> {
    const result = await ex.execute(sql`select last from domain_event_positions where id = 1`);
    const row = rowsOf<{ last: string | number }>(result)[0];
    return row ? Number(row.last) : 0;
  },

  /** When the event at `position` was logged; undefined when there is none (pruned). */
  async loggedAt(ex: Executor, position: number): Promise<Date | undefined> {
    const result = await ex.execute(sql`
      select floor(extract(epoch from created_at) * 1000)::int8 as logged_ms from domain_events where position = ${position}`);
    const row = rowsOf<{ logged_ms: string | number }>(result)[0];
    return row ? new Date(Number(row.logged_ms)) : undefined;
  },

  /** Events with `after < position <= upTo`, of one ticket when given, in order, at most `limit`. */
  async listAfter(
    ex: Executor,
    range: { after: number; upTo: number; ticketId?: string; limit: number },
  ): Promise<LoggedEventRow[]> {
    const ofTicket = range.ticketId ? sql`and e.ticket_id = ${range.ticketId}` : sql``;
    const result = await ex.execute(sql`
      select e.position, e.payload, m.id as m_id, m.session_id as m_session_id, m.seq as m_seq,
        m.sender_type as m_sender_type, m.agent_id as m_agent_id, m.sender_name as m_sender_name,
        m.body as m_body, m.client_msg_id as m_client_msg_id,
        floor(extract(epoch from m.created_at) * 1000)::int8 as m_created_ms
      from domain_events e left join chat_messages m on m.id = e.message_id
      where e.position > ${range.after} and e.position <= ${range.upTo} ${ofTicket}
      order by e.position
      limit ${range.limit}`);
    return rowsOf<RawLoggedEvent>(result).map((raw) => ({
      position: Number(raw.position),
      payload: typeof raw.payload === 'string' ? (JSON.parse(raw.payload) as Record<string, unknown>) : raw.payload,
      message: raw.m_id
        ? {
            id: raw.m_id,
            sessionId: raw.m_session_id,
            seq: Number(raw.m_seq),
            senderType: raw.m_sender_type,
            agentId: raw.m_agent_id,
            senderName: raw.m_sender_name,
            body: raw.m_body,
            clientMsgId: raw.m_client_msg_id,
            createdAt: new Date(Number(raw.m_created_ms)),
          }
        : null,
    }));
  },

  /** Forgets events logged before `cutoff` (past EVENT_REPLAY_HOURS); answers how many. */
  async pruneBefore(ex: Executor, cutoff: Date): Promise<number> {
    const result = await ex.execute(sql`
      with pruned as (delete from domain_events where created_at < ${cutoff.toISOString()}::timestamptz returning 1)
      select count(*) as count from pruned`);
    return Number(rowsOf<{ count: string | number }>(result)[0]?.count ?? 0);
  },
};
