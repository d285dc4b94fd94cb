import { agentCreateInput, agentIdInput, agentSetStatusInput, agentUpdateInput } from '../../../shared/agentSchemas.js';
import { listPresence, setAgentStatus } from '../../services/agents/agentPresence.js';
import { toAgent } from '../../services/agents/agentView.js';
import { createAgent, listAgents, revokeAgent, updateAgent } from '../../services/agents/manageAgents.js';
import { adminProcedure, agentProcedure, router } from '../init.js';

/** `agents.*`: who may use the API, and who is at work. Creating, listing, updating and revoking need an admin. */
export const agentsRouter = router({
  me: agentProcedure.query(({ ctx }) => toAgent(ctx.agent)),

  create: adminProcedure.input(agentCreateInput).mutation(({ input, ctx }) => createAgent(input, ctx.services)),

  list: adminProcedure.query(({ ctx }) => listAgents(ctx.services)),

  update: adminProcedure.input(agentUpdateInput).mutation(({ input, ctx }) => updateAgent(input, ctx.agent, ctx.services)),

  revoke: adminProcedure.input(agentIdInput).mutation(({ input, ctx }) => revokeAgent(input.id, ctx.agent, ctx.services)),

  setStatus: agentProcedure
    .input(agentSetStatusInput)
    .mutation(({ input, ctx }) => setAgentStatus(ctx.agent, input.status, ctx.services)),

  presence: agentProcedure.query(({ ctx }) => listPresence(ctx.services)),
});
