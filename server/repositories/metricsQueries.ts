import { sql, type SQL } from 'drizzle-orm';
import type { TicketSource } from '../../shared/tickets.js';
import type { Executor } from '../db/client.js';
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

function createdIn(range: TimeRange, alias = tickets.createdAt): SQL {
  const from = range.from ? sql`${alias} >= ${range.from}::timestamptz` : sql`true`;
  const to = range.to ? sql`${alias} < ${range.to}::timestamptz` : sql`true`;
  return sql`${from} and ${to}`;
}

/**
 * Per source, over tickets created in the range: how many, how many are resolved or closed,
 * and the mean time from creation to resolution (closing when never resolved).
 */
export async function figuresBySource(ex: Executor, range: TimeRange): Promise<SourceFigures[]> {
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
}

/**
 * Customers with a ticket created in the range who have more than one ticket created before
 * the range ends (any channel): they came back, in the range or from before it.
 */
export async function countReturningClients(ex: Executor, range: TimeRange): Promise<number> {
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
  const rows = Array.isArray(result) ? result : (result as { rows: { n: number }[] }).rows;
  return Number(rows[0]?.n ?? 0);
}
