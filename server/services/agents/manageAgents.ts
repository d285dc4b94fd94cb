import type { Agent } from '../../../shared/agentApi.js';
import type { AgentCreateInput, AgentUpdateInput } from '../../../shared/agentSchemas.js';
import type { AgentRow } from '../../db/schema.js';
import { AppError, isUniqueViolation } from '../../errors.js';
import { agentsRepository } from '../../repositories/agents.js';
import type { ServiceContext } from '../context.js';
import { issueAgentToken } from './agentTokens.js';
import { toAgent } from './agentView.js';

/** Creates an agent and its API token; the token is returned here and never again. */
export async function createAgent(
  input: AgentCreateInput,
  ctx: Pick<ServiceContext, 'db' | 'logger'>,
): Promise<{ agent: Agent; token: string }> {
  const { token, hash } = issueAgentToken();
  try {
    const row = await agentsRepository.insert(ctx.db, {
      name: input.name,
      email: input.email,
      role: input.role,
      tokenHash: hash,
    });
    ctx.logger.info({ agentId: row.id, role: row.role }, 'agent created');
    return { agent: toAgent(row), token };
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new AppError('VALIDATION', 'An agent with this e-mail already exists', {
        fields: { email: 'Already in use' },
        cause: error,
      });
    }
    throw error;
  }
}

/** Every agent, revoked ones included, oldest first. */
export async function listAgents(ctx: Pick<ServiceContext, 'db'>): Promise<Agent[]> {
  return (await agentsRepository.list(ctx.db)).map(toAgent);
}

/**
 * `agents.update` (admin): an agent's capacity (null: the routing default), role or name. An
 * admin cannot take away their own admin role. A capacity change may give queued chats at once.
 */
export async function updateAgent(input: AgentUpdateInput, actor: AgentRow, ctx: ServiceContext): Promise<Agent> {
  if (input.id === actor.id && input.role !== undefined && input.role !== actor.role) {
    throw new AppError('VALIDATION', 'You cannot change your own role', { fields: { role: 'Is your own agent' } });
  }
  const { capacity, role, name } = input;
  const values = {
    ...(capacity !== undefined ? { capacity } : {}),
    ...(role !== undefined ? { role } : {}),
    ...(name !== undefined ? { name } : {}),
  };
  const row = Object.keys(values).length > 0 ? await agentsRepository.update(ctx.db, input.id, values) : await agentsRepository.findById(ctx.db, input.id);
  if (!row) throw new AppError('NOT_FOUND', 'No such agent');
  if (capacity !== undefined) ctx.routing.request();
  return toAgent(row);
}

/** Revokes an agent's token for good; an admin cannot lock themself out this way. */
export async function revokeAgent(id: string, actor: AgentRow, ctx: Pick<ServiceContext, 'db' | 'bus' | 'logger'>): Promise<Agent> {
  if (id === actor.id) {
    throw new AppError('VALIDATION', 'You cannot revoke your own token', { fields: { id: 'Is your own agent' } });
  }
  return revokeAgentToken(id, actor.id, ctx);
}

/**
 * The operator's revocation (`atende agents revoke`), by id or e-mail. Nodes that do not hear
 * the announcement (another process's bus) still end the agent's streams: they re-read tokens.
 */
export async function revokeAgentByOperator(idOrEmail: string, ctx: Pick<ServiceContext, 'db' | 'bus' | 'logger'>): Promise<Agent> {
  const row = await findAgentByIdOrEmail(idOrEmail, ctx);
  return revokeAgentToken(row.id, 'operator', ctx);
}

/** The unrevoked admin an operator names (`--by`), to answer for what the CLI does in the audit trail. */
export async function findActiveAdmin(idOrEmail: string, ctx: Pick<ServiceContext, 'db'>): Promise<AgentRow> {
  const row = await findAgentByIdOrEmail(idOrEmail, ctx);
  if (row.role !== 'admin' || row.revokedAt) {
    throw new AppError('VALIDATION', 'Not an active admin', { fields: { by: 'Must name an admin agent that is not revoked' } });
  }
  return row;
}

async function findAgentByIdOrEmail(idOrEmail: string, ctx: Pick<ServiceContext, 'db'>): Promise<AgentRow> {
  const row = idOrEmail.includes('@')
    ? await agentsRepository.findByEmail(ctx.db, idOrEmail.trim().toLowerCase())
    : /^[0-9a-f-]{36}$/i.test(idOrEmail)
      ? await agentsRepository.findById(ctx.db, idOrEmail)
      : undefined;
  if (!row) throw new AppError('NOT_FOUND', 'No such agent');
  return row;
}

async function revokeAgentToken(id: string, by: string, ctx: Pick<ServiceContext, 'db' | 'bus' | 'logger'>): Promise<Agent> {
  const row = await agentsRepository.revoke(ctx.db, id);
  if (!row) throw new AppError('NOT_FOUND', 'No such agent');
  // After the commit: every node ends this agent's open event streams (agentStreamWatch).
  ctx.bus.announce({ type: 'agent.revoked', agentId: id });
  ctx.logger.info({ agentId: id, by }, 'agent revoked');
  return toAgent(row);
}
