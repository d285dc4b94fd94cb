import express, { Router } from 'express';
import type { ServiceContext } from '../services/context.js';
import type { EdgeGuards } from '../security/edgeGuards.js';
import { agentAuthenticator } from './agentAuth.js';
import { AGENT_REST_BASE, agentRestOperations } from './agentRestOperations.js';
import { mountOperations } from './restOperation.js';

/** `/api/v1` (PROTOCOL §13): the agent API as plain REST, for any language. */
export function createAgentRestRoutes(ctx: ServiceContext, guards: EdgeGuards): Router {
  const router = Router();
  router.use(express.json({ limit: '256kb' }));
  mountOperations(router, AGENT_REST_BASE, agentRestOperations, ctx, agentAuthenticator(ctx, guards));
  return router;
}
