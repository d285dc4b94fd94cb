import type { BySource, MetricsSummary } from '../../../shared/agentApi.js';
import { TICKET_SOURCES } from '../../../shared/tickets.js';
import { metricsRepository, type TimeRange } from '../../repositories/metrics.js';
import type { ServiceContext } from '../context.js';

function bySource<T>(value: (source: (typeof TICKET_SOURCES)[number]) => T): BySource<T> {
  return Object.fromEntries(TICKET_SOURCES.map((source) => [source, value(source)])) as BySource<T>;
}

/** Channel figures over tickets created in [from, to); every source is present, even at zero. */
export async function metricsSummary(range: TimeRange, ctx: ServiceContext): Promise<MetricsSummary> {
  const [figures, returningClients, { assistant, responses, csat }, byAgent] = await Promise.all([
    metricsRepository.figuresBySource(ctx.db, range),
    metricsRepository.countReturningClients(ctx.db, range),
    metricsRepository.chatFigures(ctx.db, range),
    metricsRepository.agentFigures(ctx.db, range),
  ]);
  const chatTickets = figures.find((row) => row.source === 'chat')?.total ?? 0;
  const of = (source: string) => figures.find((row) => row.source === source);
  return {
    chatTickets: of('chat')?.total ?? 0,
    ticketsBySource: bySource((source) => of(source)?.total ?? 0),
    resolutionRateBySource: bySource((source) => {
      const row = of(source);
      return row && row.total > 0 ? row.resolved / row.total : null;
    }),
    avgHandleTimeMsBySource: bySource((source) => of(source)?.avgHandleTimeMs ?? null),
    returningClients,
    escalatedChats: assistant.escalatedChats,
    escalationRate: chatTickets > 0 ? assistant.escalatedChats / chatTickets : null,
    avgEscalationConfidence: assistant.avgEscalationConfidence,
    botResolvedChats: assistant.botResolvedChats,
    ...responses,
    byAgent,
    csat,
  };
}
