import type { Request } from 'express';
import type { AgentRow } from '../db/schema.js';
import type { AgentLiveness } from '../services/agents/agentLiveness.js';
import type { ServiceContext } from '../services/context.js';
import { authenticateAgent } from '../services/agents/authenticateAgent.js';
import type { EdgeGuards } from '../security/edgeGuards.js';
import { checkTokenAtCost } from '../security/failedAuth.js';

/**
 * The agent behind a REST request's `Authorization: Bearer <API token>`, checked as tRPC checks
 * it: a wrong token costs the caller's IP a point of its agent-token bucket; a right one is a
 * sign of life (presence, PROTOCOL §8).
 */
export function agentAuthenticator(ctx: ServiceContext, guards: EdgeGuards, liveness: AgentLiveness): (req: Request) => Promise<AgentRow> {
  return async (req) => {
    const agent = await checkTokenAtCost(guards.limits.failedAgentAuth, guards.clientIp(req), () => authenticateAgent(bearerToken(req), ctx));
    liveness.apiCalled(agent.id);
    return agent;
  };
}

function bearerToken(req: Request): string | null {
  const header = req.headers.authorization;
  return (typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined) ?? null;
}
