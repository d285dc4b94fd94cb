import { sql, type SQL } from 'drizzle-orm';
import type { TicketSource } from '../../shared/tickets.js';
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

/** Created in the range: a walk of tickets_created_at_idx. */
function createdIn(range: TimeRange, alias = tickets.createdAt): SQL {
  const from = range.from ? sql`${alias} >= ${range.from}::timestamptz` : sql`true`;
  const to = range.to ? sql`${alias} < ${range.to}::timestamptz` : sql`true`;
  return sql`${from} and ${to}`;
}

export interface AssistantFigures {
  escalatedChats: number;
  avgEscalationConfidence: number | null;
  botResolvedChats: number;
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
   * the range ends (any channel): they came back, in the range or from before it.
   */
  async countReturningClients(ex: Executor, range: TimeRange): Promise<number> {
    const result = await ex.execute<{ n: number }>(sql`
      with active as (
        select distinct ${tickets.clientId} as client_id from ${tickets} where ${createdIn(range)}
      )
      select count(*)::int as n from active
      where (
        select count(*) from ${tickets} t
        where t.client_id = active.client_id
          and ${range.to ? sql`t.created_at < ${range.to}::timestamptz` : sql`true`}
      ) > 1`);
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
        select * from ${tickets} where ${tickets.source} = 'chat' and ${createdIn(range)}
      )
      select
        (select count(*)::int from chat where escalated) as escalated,
        (select avg((e.data->>'confidence')::float8) from ticket_events e
          where e.type = 'chat.escalated' and e.ticket_id in (select id from chat)) as confidence,
        (select count(*)::int from chat
          where status in ('RESOLVED', 'CLOSED') and not escalated and first_response_at is null
            and exists (
              select 1 from chat_sessions s join chat_messages m on m.session_id = s.id
              where s.ticket_id = chat.id and m.sender_type = 'bot'
            )) as bot_resolved`);
    const row = rowsOf<Record<string, unknown>>(result)[0] ?? {};
    return {
      escalatedChats: Number(row.escalated ?? 0),
      avgEscalationConfidence: row.confidence === null || row.confidence === undefined ? null : Math.round(Number(row.confidence) * 1000) / 1000,
      botResolvedChats: Number(row.bot_resolved ?? 0),
    };
  },
};
