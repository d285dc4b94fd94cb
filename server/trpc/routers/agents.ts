import { agentCreateInput, agentIdInput } from '../../../shared/agentSchemas.js';
import { toAgent } from '../../services/agents/agentView.js';
import { createAgent, listAgents, revokeAgent } from '../../services/agents/manageAgents.js';
import { adminProcedure, agentProcedure, router } from '../init.js';

/** `agents.*`: who may use the API. Creating, listing and revoking need an admin. */
export const agentsRouter = router({
  me: agentProcedure.query(({ ctx }) => toAgent(ctx.agent)),

  create: adminProcedure.input(agentCreateInput).mutation(({ input, ctx }) => createAgent(input, ctx.services)),

  list: adminProcedure.query(({ ctx }) => listAgents(ctx.services)),

  revoke: adminProcedure.input(agentIdInput).mutation(({ input, ctx }) => revokeAgent(input.id, ctx.agent, ctx.services)),
});
