import { metricsSummaryInput, metricsTimeseriesInput } from '../../../shared/agentSchemas.js';
import { metricsSummary } from '../../services/metrics/metricsSummary.js';
import { metricsTimeseries } from '../../services/metrics/metricsTimeseries.js';
import { agentProcedure, router } from '../init.js';

/** `metrics.*` (PROTOCOL §4, §12). */
export const metricsRouter = router({
  summary: agentProcedure
    .input(metricsSummaryInput)
    .query(({ input, ctx }) => metricsSummary({ from: input?.from, to: input?.to }, ctx.services)),
  timeseries: agentProcedure.input(metricsTimeseriesInput).query(({ input, ctx }) => metricsTimeseries(input, ctx.services)),
});
