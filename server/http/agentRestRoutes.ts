import express, { Router } from 'express';
import type { ServiceContext } from '../services/context.js';
import type { EdgeGuards } from '../security/edgeGuards.js';
import type { AgentLiveness } from '../services/agents/agentLiveness.js';
import type { AgentStreamWatch } from '../services/agents/agentStreamWatch.js';
import { agentAuthenticator } from './agentAuth.js';
import { agentEventsHandler } from './agentEventsRoute.js';
import { AGENT_REST_BASE, agentRestOperations } from './agentRestOperations.js';
import { mountOperations } from './restOperation.js';

/** `/api/v1` (PROTOCOL §13): the agent API as plain REST, for any language. */
export function createAgentRestRoutes(
  ctx: ServiceContext,
  guards: EdgeGuards,
  agents: { streams: AgentStreamWatch; liveness: AgentLiveness },
): Router {
  const router = Router();
  const authenticate = agentAuthenticator(ctx, guards, agents.liveness);
  router.get('/events', agentEventsHandler(ctx, agents.streams, agents.liveness, authenticate));
  router.use(express.json({ limit: '256kb' }));
  mountOperations(router, AGENT_REST_BASE, agentRestOperations, ctx, authenticate);
  return router;
}
