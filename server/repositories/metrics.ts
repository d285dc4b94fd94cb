import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { TICKET_SOURCES, type TicketSource } from '../../shared/tickets.js';
import type { Executor } from '../db/client.js';
import { rowsOf } from '../db/rows.js';
import { tickets } from '../db/schema.js';

export interface TimeRange {
  /** Inclusive, ISO-8601. */
  from?: string;
  /** Exclusive, ISO-8601. */
  to?: string;
}

export interface SourceFigures {
  source: TicketSource;
  total: number;
  resolved: number;
  avgHandleTimeMs: number | null;
}

/**
 * Created in the range: a walk of tickets_created_at_reports_idx, or, given a session's
 * `ticket_created_at`, of chat_sessions_ticket_created_at_idx.
 */
function createdIn(range: TimeRange, alias: SQLWrapper = tickets.createdAt): SQL {
  const from = range.from ? sql`${alias} >= ${range.from}::timestamptz` : sql`true`;
  const to = range.to ? sql`${alias} < ${range.to}::timestamptz` : sql`true`;
  return sql`${from} and ${to}`;
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

export interface AgentFigures {
  agentId: string;
  chats: number;
  firstResponseMsP50: number | null;
  resolved: number;
}

const ms = (value: unknown): number | null => (value === null || value === undefined ? null : Math.round(Number(value)));

/**
 * A chat session's first response in ms: from its first customer message to the first agent
 * message after it (null while none), both kept on the session by the message writes.
 */
const responseMs = sql`extract(epoch from (s.first_agent_reply_at - s.first_customer_message_at)) * 1000`;

/**
 * The chat sessions of the tickets created in the range, found by their ticket's creation time
 * (chat sessions only ever belong to chat tickets: a chat opens its ticket, and a ticket's
 * source never changes).
 */
const sessionsOfRange = (range: TimeRange): SQL => createdIn(range, sql`s.ticket_created_at`);

/**
 * Chat tickets created in the range, and their chat sessions with how long the first agent
 * reply took (`response_ms`, null when no agent replied after a customer message).
 */
function sessionResponses(range: TimeRange): SQL {
  return sql`
    chat as (
      select id, assignee_id, created_at from ${tickets} where ${tickets.source} = 'chat' and ${createdIn(range)}
    ),
    session_responses as (
      select s.id, s.ticket_id, s.unanswered, ${responseMs} as response_ms
      from chat_sessions s
      where ${sessionsOfRange(range)}
    )`;
}

export interface TimeseriesQuery {
  /** Inclusive, ISO-8601. */
  from: string;
  /** Exclusive, ISO-8601. */
  to: string;
  bucket: 'hour' | 'day';
  /** IANA name. */
  timeZone: string;
}

export interface TimeseriesRow {
  startMs: number;
  bySource: Record<TicketSource, number>;
  resolved: number;
  unanswered: number;
  firstResponseMsP50: number | null;
  csatAvg: number | null;
}

/** The start of the zone's hour holding `from` (zones may be offset by 30 or 45 minutes). */
function hourOrigin(query: TimeseriesQuery): SQL {
  const from = sql`${query.from}::timestamptz`;
  return sql`(${from} - make_interval(secs => mod(extract(epoch from (${from} at time zone ${query.timeZone}::text)), 3600)::float8))`;
}

/**
 * Every bucket from the one holding `from` to the one holding the last instant before `to`,
 * as `[lo, hi)` clipped to the range. Days are the zone's calendar days (23 or 25 hours across
 * a DST change); hours are real hours from the zone's hour boundary at `from`, so the
 * repeated hour of a fall-back night is two buckets.
 */
function bucketBounds(query: TimeseriesQuery): SQL {
  const zone = sql`${query.timeZone}::text`;
  const from = sql`${query.from}::timestamptz`;
  const to = sql`${query.to}::timestamptz`;
  const last = sql`(${to} - interval '1 microsecond')`;
  const buckets =
    query.bucket === 'day'
      ? sql`select d at time zone ${zone} as start, (d + interval '1 day') at time zone ${zone} as next
          from generate_series(date_trunc('day', ${from} at time zone ${zone}), ${last} at time zone ${zone}, interval '1 day') d`
      : sql`select h as start, h + interval '1 hour' as next from generate_series(${hourOrigin(query)}, ${last}, interval '1 hour') h`;
  return sql`select start, greatest(start, ${from}) as lo, least(next, ${to}) as hi from (${buckets}) b`;
}

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
   * Over chat tickets created in the range: how many the assistant escalated (and with what
   * confidence, on average), and how many ended resolved by the bot alone — answered by it,
   * never escalated, never answered by an agent.
   */
  async assistantFigures(ex: Executor, range: TimeRange): Promise<AssistantFigures> {
    const result = await ex.execute<{ escalated: number; confidence: string | null; bot_resolved: number }>(sql`
      with chat as (
        select id, escalated, first_response_at from ${tickets} where ${tickets.source} = 'chat' and ${createdIn(range)}
      )
      select
        (select count(*)::int from chat where escalated) as escalated,
        -- The escalation sets the flag and writes its event together: only flagged tickets have one.
        (select avg((e.data->>'confidence')::float8) from ticket_events e
          where e.type = 'chat.escalated' and e.ticket_id in (select id from chat where escalated)) as confidence,
        -- A chat the bot answered and the visitor closed; walk-aways (timeout) are not resolutions.
        (select count(distinct s.ticket_id)::int from chat_sessions s join chat on chat.id = s.ticket_id
          where ${sessionsOfRange(range)} and s.close_reason = 'client' and not chat.escalated and chat.first_response_at is null
            and exists (select 1 from chat_messages m where m.session_id = s.id and m.sender_type = 'bot')) as bot_resolved`);
    const row = rowsOf<Record<string, unknown>>(result)[0] ?? {};
    return {
      escalatedChats: Number(row.escalated ?? 0),
      avgEscalationConfidence: row.confidence === null || row.confidence === undefined ? null : Math.round(Number(row.confidence) * 1000) / 1000,
      botResolvedChats: Number(row.bot_resolved ?? 0),
    };
  },

  /**
   * Over the chat sessions of chat tickets created in the range: first-response time (mean and
   * percentiles, computed by percentile_cont), how many ended unanswered, and the mean wait from
   * the moment a chat ticket waits for a person (its creation; its escalation when the assistant
   * handed it over) to its first assignment, 0 when assigned before that (null while no chat
   * ticket was assigned).
   */
  async responseFigures(ex: Executor, range: TimeRange): Promise<ResponseFigures> {
    const result = await ex.execute(sql`
      with ${sessionResponses(range)},
      first_assignment as (
        -- A chat waits for a person from its start, or with the assistant from its escalation.
        select chat.id, coalesce(t.escalated_at, chat.created_at) as waiting_since, min(e.created_at) as assigned_at
        from chat join ${tickets} t on t.id = chat.id join ticket_events e on e.ticket_id = chat.id
        where (e.type = 'ticket.assigned' and e.data->>'assigneeId' is not null)
           or (e.type = 'ticket.updated' and e.data->'changes'->'assigneeId'->>'to' is not null)
        group by chat.id, t.escalated_at, chat.created_at
      )
      select
        (select avg(response_ms) from session_responses) as avg,
        (select percentile_cont(0.5) within group (order by response_ms) from session_responses) as p50,
        (select percentile_cont(0.9) within group (order by response_ms) from session_responses) as p90,
        (select count(*)::int from session_responses where unanswered) as unanswered,
        (select avg(greatest(0, extract(epoch from (assigned_at - waiting_since)) * 1000)) from first_assignment) as queue_wait`);
    const row = rowsOf<Record<string, unknown>>(result)[0] ?? {};
    return {
      firstResponseMs: { avg: ms(row.avg), p50: ms(row.p50), p90: ms(row.p90) },
      unansweredChats: Number(row.unanswered ?? 0),
      avgQueueWaitMs: ms(row.queue_wait),
    };
  },

  /**
   * Satisfaction over the chat sessions of chat tickets created in the range (offline-form
   * sessions, never live chats, are not counted): the mean score, how many were rated, and
   * how many of the chats that ended (or were rated) were.
   */
  async csatFigures(ex: Executor, range: TimeRange): Promise<CsatFigures> {
    const result = await ex.execute(sql`
      with sessions as (
        select s.rating_score from chat_sessions s
        where ${sessionsOfRange(range)} and not s.offline and (s.status = 'closed' or s.rated_at is not null)
      )
      select avg(rating_score) as avg, count(rating_score)::int as responses, count(*)::int as ended from sessions`);
    const row = rowsOf<Record<string, unknown>>(result)[0] ?? {};
    const responses = Number(row.responses ?? 0);
    const ended = Number(row.ended ?? 0);
    return {
      avg: row.avg === null || row.avg === undefined ? null : Math.round(Number(row.avg) * 100) / 100,
      responses,
      responseRate: ended > 0 ? responses / ended : null,
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
      with ${sessionResponses(range)},
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
      firstResponseMsP50: ms(row.p50),
      resolved: Number(row.resolved),
    }));
  },
  /**
   * `metrics.timeseries`: per bucket of the range, the tickets created in it (by source, and how
   * many are resolved or closed now) and, over their chats, how many ended unanswered and the
   * p50 first response — the summary's definitions, so the buckets add up to it. Every bucket
   * is present. Each bucket is two index ranges: tickets_created_at_reports_idx for the
   * counts (the index alone where the visibility map allows), chat_sessions_ticket_created_at_idx
   * for the chats, whose first response each session keeps; no join, no look-up per row.
   * CSAT (§9) is the mean rating of those chats' sessions, rounded like the summary's.
   */
  async timeseries(ex: Executor, query: TimeseriesQuery): Promise<TimeseriesRow[]> {
    const perSource = TICKET_SOURCES.map((source) => sql`(count(*) filter (where t.source = ${source}))::int as ${sql.identifier(`n_${source}`)}`);
    const result = await ex.transaction(async (tx) => {
      // The planner cannot tell how many buckets generate_series yields (it assumes 1,000) and
      // so overestimates enough to JIT-compile: 0.1–0.3 s of compiling for a query that runs
      // in less. Off for this statement only.
      await tx.execute(sql`set local jit = off`);
      return tx.execute(sql`
      select extract(epoch from b.start) * 1000 as start_ms, counts.*, chats.*
      from (${bucketBounds(query)}) b
      cross join lateral (
        select ${sql.join(perSource, sql`, `)},
          (count(*) filter (where t.status in ('RESOLVED', 'CLOSED')))::int as resolved
        from ${tickets} t where t.created_at >= b.lo and t.created_at < b.hi
      ) counts
      cross join lateral (
        select (count(*) filter (where s.unanswered))::int as unanswered,
          percentile_cont(0.5) within group (order by ${responseMs}) as first_response_p50,
          round(avg(s.rating_score) filter (where not s.offline)::numeric, 2)::float8 as csat_avg
        from chat_sessions s
        where s.ticket_created_at >= b.lo and s.ticket_created_at < b.hi
      ) chats
      order by b.start`);
    });
    return rowsOf<Record<string, unknown>>(result).map((row) => ({
      startMs: Math.round(Number(row.start_ms)),
      bySource: Object.fromEntries(TICKET_SOURCES.map((source) => [source, Number(row[`n_${source}`])])) as Record<TicketSource, number>,
      resolved: Number(row.resolved),
      unanswered: Number(row.unanswered),
      firstResponseMsP50: ms(row.first_response_p50),
      csatAvg: row.csat_avg === null || row.csat_avg === undefined ? null : Number(row.csat_avg),
    }));
  },
};
