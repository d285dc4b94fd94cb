import { webhookDeliveriesInput } from '../../../shared/webhooks.js';
import { listDeliveries } from '../../services/webhooks/listDeliveries.js';
import { agentProcedure, router } from '../init.js';

/** `webhooks.*` (PROTOCOL §4): the delivery log of the webhooks of PROTOCOL §5. */
export const webhooksRouter = router({
  deliveries: agentProcedure.input(webhookDeliveriesInput).query(({ input, ctx }) => listDeliveries(input, ctx.services)),
});
