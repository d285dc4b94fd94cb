import { metricsSummaryInput } from '../../../shared/agentSchemas.js';
import { metricsSummary } from '../../services/metrics/metricsSummary.js';
import { agentProcedure, router } from '../init.js';

/** `metrics.*` (PROTOCOL §4). */
export const metricsRouter = router({
  summary: agentProcedure
    .input(metricsSummaryInput)
    .query(({ input, ctx }) => metricsSummary({ from: input?.from, to: input?.to }, ctx.services)),
});
