import type { Request } from 'express';
import type { AgentRow } from '../db/schema.js';
import type { ServiceContext } from '../services/context.js';
import { authenticateAgent } from '../services/agents/authenticateAgent.js';
import type { EdgeGuards } from '../security/edgeGuards.js';
import { checkTokenAtCost } from '../security/failedAuth.js';

/**
 * The agent behind a REST request's `Authorization: Bearer <API token>`, checked as tRPC checks
 * it: a wrong token costs the caller's IP a point of its agent-token bucket.
 */
export function agentAuthenticator(ctx: ServiceContext, guards: EdgeGuards): (req: Request) => Promise<AgentRow> {
  return (req) => checkTokenAtCost(guards.limits.failedAgentAuth, guards.clientIp(req), () => authenticateAgent(bearerToken(req), ctx));
}

function bearerToken(req: Request): string | null {
  const header = req.headers.authorization;
  return (typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined) ?? null;
}
