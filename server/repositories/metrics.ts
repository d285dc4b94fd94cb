import { sql, type SQL } from 'drizzle-orm';
import type { TicketSource } from '../../shared/tickets.js';
import type { Executor } from '../db/client.js';
import { rowsOf } from '../db/rows.js';
import { tickets } from '../db/schema.js';
import { createdIn, responseMs, roundedMs, sessionsOfRange, type TimeRange } from './metricsRanges.js';

export type { TimeRange };

export interface SourceFigures {
  source: TicketSource;
  total: number;
  resolved: number;
  avgHandleTimeMs: number | null;
}

export interface AssistantFigures {
  escalatedChats: number;
  avgEscalationConfidence: number | null;
  botResolvedChats: number;
}

export interface ResponseFigures {
  /** From a chat's first customer message to the first agent message after it, in ms. */
  firstResponseMs: { avg: number | null; p50: number | null; p90: number | null };
  unansweredChats: number;
  avgQueueWaitMs: number | null;
}

export interface CsatFigures {
  /** Mean of the 1–5 scores; null without ratings. */
  avg: number | null;
  responses: number;
  /** Rated sessions / sessions that ended (or were rated); null without either. */
  responseRate: number | null;
}

/** What the summary tells of a range's chats: the assistant's part, first responses and waits, satisfaction. */
export interface ChatFigures {
  assistant: AssistantFigures;
  responses: ResponseFigures;
  csat: CsatFigures;
}

export interface AgentFigures {
  agentId: string;
  chats: number;
  firstResponseMsP50: number | null;
  resolved: number;
}

/**
 * Chat tickets created in the range (`chat`), and their chat sessions with how long the first
 * agent reply took (`session_responses`, `response_ms` null when no agent replied after a
 * customer message): each read once, by its index range.
 */
function chatsOfRange(range: TimeRange): SQL {
  return sql`
    chat as materialized (
      select id, assignee_id, created_at, escalated, escalated_at, first_response_at
      from ${tickets} where ${tickets.source} = 'chat' and ${createdIn(range)}
    ),
    session_responses as materialized (
      select s.id, s.ticket_id, s.unanswered, s.offline, s.status, s.rated_at, s.rating_score, s.close_reason, ${responseMs} as response_ms
      from chat_sessions s
      where ${sessionsOfRange(range)}
    )`;
}

const mean = (value: unknown, places: number): number | null =>
  value === null || value === undefined ? null : Math.round(Number(value) * 10 ** places) / 10 ** places;

/** Reporting reads over tickets (with their events, sessions and messages) for the metrics summary. */
export const metricsRepository = {
  /**
   * Per source, over tickets created in the range: how many, how many are resolved or closed,
   * and the mean time from creation to resolution (closing when never resolved).
   */
  async figuresBySource(ex: Executor, range: TimeRange): Promise<SourceFigures[]> {
    const handled = sql`coalesce(${tickets.resolvedAt}, ${tickets.closedAt})`;
    const rows = await ex
      .select({
        source: tickets.source,
        total: sql<number>`count(*)::int`,
        resolved: sql<number>`(count(*) filter (where ${tickets.status} in ('RESOLVED', 'CLOSED')))::int`,
        avgHandleTimeMs: sql<string | null>`avg(extract(epoch from (${handled} - ${tickets.createdAt})) * 1000)`,
      })
      .from(tickets)
      .where(createdIn(range))
      .groupBy(tickets.source);
    return rows.map((row) => ({
      source: row.source,
      total: Number(row.total),
      resolved: Number(row.resolved),
      avgHandleTimeMs: row.avgHandleTimeMs === null ? null : Math.round(Number(row.avgHandleTimeMs)),
    }));
  },

  /**
   * Customers with a ticket created in the range who have more than one ticket created before
   * the range ends (any channel): they came back, in the range or from before it. Exactly the
   * customers with a ticket in the range that is not their first (`returning_client`): the last
   * of their tickets before the range ends is in the range, and it is their first only when it
   * is their only one.
   */
  async countReturningClients(ex: Executor, range: TimeRange): Promise<number> {
    const result = await ex.execute<{ n: number }>(sql`
      select count(distinct ${tickets.clientId})::int as n from ${tickets} where ${createdIn(range)} and ${tickets.returningClient}`);
    return Number(rowsOf<{ n: number }>(result)[0]?.n ?? 0);
  },

  /**
   * Over the chat tickets created in the range and their chat sessions, in one statement that
   * reads each once:
   * - the assistant: chats it escalated (the escalation sets the flag and writes its event, with
   *   the confidence, together) and chats it resolved alone — answered by the bot, closed by the
   *   visitor, never escalated, never answered by an agent (walk-aways are not resolutions);
   * - first response over the sessions (mean, and percentiles by percentile_cont), sessions that
   *   ended unanswered, and the mean wait from the moment a chat waits for a person (its
   *   creation; its escalation when the assistant handed it over) to its first assignment in
   *   the audit trail, 0 when assigned before that (null while none was assigned);
   * - satisfaction over the sessions that ended or were rated (offline-form sessions, never
   *   live chats, left out): the mean score, how many were rated, and of how many.
   */
  async chatFigures(ex: Executor, range: TimeRange): Promise<ChatFigures> {
    const result = await ex.execute(sql`
      with ${chatsOfRange(range)},
      first_assignment as (
        select chat.id, coalesce(chat.escalated_at, chat.created_at) as waiting_since, min(e.created_at) as assigned_at
        from chat join ticket_events e on e.ticket_id = chat.id
        where (e.type = 'ticket.assigned' and e.data->>'assigneeId' is not null)
           or (e.type = 'ticket.updated' and e.data->'changes'->'assigneeId'->>'to' is not null)
        group by chat.id, chat.escalated_at, chat.created_at
      ),
      ratable as (
        select rating_score from session_responses where not offline and (status = 'closed' or rated_at is not null)
      )
      select
        (select count(*)::int from chat where escalated) as escalated,
        (select avg((e.data->>'confidence')::float8) from ticket_events e
          where e.type = 'chat.escalated' and e.ticket_id in (select id from chat where escalated)) as confidence,
        (select count(distinct s.ticket_id)::int from session_responses s join chat on chat.id = s.ticket_id
          where s.close_reason = 'client' and not chat.escalated and chat.first_response_at is null
            and exists (select 1 from chat_messages m where m.session_id = s.id and m.sender_type = 'bot')) as bot_resolved,
        r.avg, r.p50, r.p90, r.unanswered,
        (select avg(greatest(0, extract(epoch from (assigned_at - waiting_since)) * 1000)) from first_assignment) as queue_wait,
        c.csat_avg, c.responses, c.ended
      from (
        select avg(response_ms) as avg,
          percentile_cont(0.5) within group (order by response_ms) as p50,
          percentile_cont(0.9) within group (order by response_ms) as p90,
          (count(*) filter (where unanswered))::int as unanswered
        from session_responses
      ) r, (
        select avg(rating_score) as csat_avg, count(rating_score)::int as responses, count(*)::int as ended from ratable
      ) c`);
    const row = rowsOf<Record<string, unknown>>(result)[0] ?? {};
    const responses = Number(row.responses ?? 0);
    const ended = Number(row.ended ?? 0);
    return {
      assistant: {
        escalatedChats: Number(row.escalated ?? 0),
        avgEscalationConfidence: mean(row.confidence, 3),
        botResolvedChats: Number(row.bot_resolved ?? 0),
      },
      responses: {
        firstResponseMs: { avg: roundedMs(row.avg), p50: roundedMs(row.p50), p90: roundedMs(row.p90) },
        unansweredChats: Number(row.unanswered ?? 0),
        avgQueueWaitMs: roundedMs(row.queue_wait),
      },
      csat: { avg: mean(row.csat_avg, 2), responses, responseRate: ended > 0 ? responses / ended : null },
    };
  },

  /**
   * Per agent: chat tickets created in the range assigned to it now, the p50 first response of
   * their chats, and tickets (any source) created in the range that it resolved — a status
   * change to RESOLVED by it in the audit trail, or the close policy resolving a chat it ended
   * (`chat.closed` by it in the same transaction, hence the same `created_at`).
   */
  async agentFigures(ex: Executor, range: TimeRange): Promise<AgentFigures[]> {
    const result = await ex.execute(sql`
      with ${chatsOfRange(range)},
      assigned as (
        select chat.assignee_id as agent_id, count(distinct chat.id)::int as chats,
          percentile_cont(0.5) within group (order by r.response_ms) as p50
        from chat left join session_responses r on r.ticket_id = chat.id
        where chat.assignee_id is not null
        group by chat.assignee_id
      ),
      resolutions as (
        select coalesce(case when u.actor_type = 'agent' then u.actor_id end, c.actor_id) as agent_id, u.ticket_id
        from tickets t
        join ticket_events u on u.ticket_id = t.id and u.type = 'ticket.updated'
          and u.data->'changes'->'status'->>'to' = 'RESOLVED'
        left join ticket_events c on c.ticket_id = u.ticket_id and c.type = 'chat.closed'
          and c.actor_type = 'agent' and c.created_at = u.created_at and u.data->>'cause' = 'chat.closed'
        where ${createdIn(range, sql`t.created_at`)}
      ),
      resolved as (
        select agent_id, count(distinct ticket_id)::int as resolved from resolutions where agent_id is not null group by agent_id
      )
      select coalesce(a.agent_id, r.agent_id) as agent_id, coalesce(a.chats, 0) as chats, a.p50, coalesce(r.resolved, 0) as resolved
      from assigned a full join resolved r on r.agent_id = a.agent_id
      order by coalesce(a.chats, 0) desc, coalesce(r.resolved, 0) desc, 1`);
    return rowsOf<Record<string, unknown>>(result).map((row) => ({
      agentId: String(row.agent_id),
      chats: Number(row.chats),
      firstResponseMsP50: roundedMs(row.p50),
      resolved: Number(row.resolved),
    }));
  },
};
