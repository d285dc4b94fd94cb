import type { MetricsTimeseries } from '../../../shared/agentApi.js';
import type { MetricsTimeseriesInput } from '../../../shared/agentSchemas.js';
import { AppError, sqlState } from '../../errors.js';
import { metricsTimeseriesRepository } from '../../repositories/metricsTimeseries.js';
import type { ServiceContext } from '../context.js';

/** The zone reports use when the caller names none: the node's `TZ`, else the system's. */
export function defaultTimeZone(ctx: ServiceContext): string {
  return ctx.policy.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** `metrics.timeseries` (PROTOCOL §12): every bucket of [from, to), zeros included. */
export async function metricsTimeseries(input: MetricsTimeseriesInput, ctx: ServiceContext): Promise<MetricsTimeseries> {
  const timeZone = input.timeZone ?? defaultTimeZone(ctx);
  try {
    const rows = await metricsTimeseriesRepository.timeseries(ctx.db, { from: input.from, to: input.to, bucket: input.bucket, timeZone });
    return {
      buckets: rows.map((row) => ({
        start: new Date(row.startMs).toISOString(),
        chatsStarted: row.bySource.chat,
        ticketsBySource: row.bySource,
        unanswered: row.unanswered,
        resolved: row.resolved,
        firstResponseMsP50: row.firstResponseMsP50,
        csatAvg: row.csatAvg,
      })),
    };
  } catch (error) {
    // A zone this runtime knows but the database's time zone data does not (22023).
    if (sqlState(error) === '22023') {
      throw new AppError('VALIDATION', 'Invalid input', { fields: { timeZone: 'is not a time zone the database knows' }, cause: error });
    }
    throw error;
  }
}
