import {
  cannedResponseCreateInput,
  cannedResponseIdInput,
  cannedResponseUpdateInput,
} from '../../../shared/agentSchemas.js';
import {
  createCannedResponse,
  deleteCannedResponse,
  listCannedResponses,
  updateCannedResponse,
} from '../../services/cannedResponses/manageCannedResponses.js';
import { agentProcedure, router } from '../init.js';

/** `cannedResponses.*` (PROTOCOL §8): shared by the team, so any agent may change any of them. */
export const cannedResponsesRouter = router({
  list: agentProcedure.query(({ ctx }) => listCannedResponses(ctx.services)),

  create: agentProcedure
    .input(cannedResponseCreateInput)
    .mutation(({ input, ctx }) => createCannedResponse(input, ctx.agent, ctx.services)),

  update: agentProcedure
    .input(cannedResponseUpdateInput)
    .mutation(({ input, ctx }) => updateCannedResponse(input, ctx.agent, ctx.services)),

  delete: agentProcedure
    .input(cannedResponseIdInput)
    .mutation(({ input, ctx }) => deleteCannedResponse(input.id, ctx.agent, ctx.services)),
});
