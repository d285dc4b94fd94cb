import type { AgentPresence, AgentStatus } from '../../../shared/agentApi.js';
import type { AgentRow } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { agentsRepository } from '../../repositories/agents.js';
import type { ServiceContext } from '../context.js';

/**
 * `agents.setStatus`: what the caller asks to be. It reads so while the agent is live (PROTOCOL
 * §8); the call itself is a sign of life. Coming online, an agent may get queued chats at once.
 */
export async function setAgentStatus(agent: AgentRow, status: AgentStatus, ctx: ServiceContext): Promise<{ status: AgentStatus }> {
  const row = await agentsRepository.setStatus(ctx.db, agent.id, status);
  if (!row) throw new AppError('UNAUTHORIZED', 'No such agent');
  ctx.routing.request();
  return { status: row.status };
}

/** `agents.presence`: every unrevoked agent as routing sees it, from the database every node shares. */
export async function listPresence(ctx: ServiceContext): Promise<AgentPresence[]> {
  const { presenceTimeoutMs, defaultCapacity } = ctx.routing.settings;
  return agentsRepository.listPresence(ctx.db, presenceTimeoutMs, defaultCapacity);
}
