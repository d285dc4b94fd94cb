import { sql, type SQL } from 'drizzle-orm';
import { TICKET_SOURCES, type TicketSource } from '../../shared/tickets.js';
import type { Executor } from '../db/client.js';
import { rowsOf } from '../db/rows.js';
import { tickets } from '../db/schema.js';
import { responseMs, roundedMs } from './metricsRanges.js';

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

/** The time series of the Reports page (PROTOCOL §12). */
export const metricsTimeseriesRepository = {
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
      firstResponseMsP50: roundedMs(row.first_response_p50),
      csatAvg: row.csat_avg === null || row.csat_avg === undefined ? null : Number(row.csat_avg),
    }));
  },
};
