import type { AgentRow } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { agentsRepository } from '../../repositories/agents.js';
import type { ServiceContext } from '../context.js';
import { hashAgentToken, isPlausibleToken } from './agentTokens.js';

/** The agent an API token belongs to; a missing, unknown or revoked token is UNAUTHORIZED. */
export async function authenticateAgent(token: string | null, ctx: ServiceContext): Promise<AgentRow> {
  if (!token) throw new AppError('UNAUTHORIZED', 'Missing API token: send Authorization: Bearer <token>');
  const agent = isPlausibleToken(token)
    ? await agentsRepository.findActiveByTokenHash(ctx.db, hashAgentToken(token))
    : undefined;
  if (!agent) throw new AppError('UNAUTHORIZED', 'Invalid or revoked API token');
  return agent;
}
