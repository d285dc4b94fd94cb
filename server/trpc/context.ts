import { randomUUID } from 'node:crypto';
import type { CreateExpressContextOptions } from '@trpc/server/adapters/express';
import type { ServiceContext } from '../services/context.js';
import type { EdgeGuards } from '../security/edgeGuards.js';
import { checkTokenAtCost } from '../security/failedAuth.js';
import { authenticateAgent } from '../services/agents/authenticateAgent.js';
import type { AgentStreamWatch } from '../services/agents/agentStreamWatch.js';
import type { AgentLiveness } from '../services/agents/agentLiveness.js';

export type { EdgeGuards };

/** What the agent API needs besides the services: the edge's guards, the stream watch and liveness. */
export interface AgentApiDeps extends EdgeGuards {
  agentStreams: AgentStreamWatch;
  /** Agents' signs of life (calls, open streams) for presence (PROTOCOL §8). */
  liveness: AgentLiveness;
}

/**
 * Per HTTP request (a whole batch): the services, a request id for the logs, and the agent
 * the presented API token belongs to — looked up once, when the first `agentProcedure` of the
 * request asks (not here, so a database failure is answered as such).
 */
export async function createContext(
  services: ServiceContext,
  guards: AgentApiDeps,
  { req, res, info }: CreateExpressContextOptions,
) {
  // The HTTP layer's id (also in the X-Request-Id answer header), so both log the same one.
  const requestId = typeof res.locals?.requestId === 'string' ? res.locals.requestId : randomUUID();
  const token = readToken(req, info);
  const ip = guards.clientIp(req);
  return {
    services,
    requestId,
    logger: services.logger.child({ requestId }),
    agentStreams: guards.agentStreams,
    liveness: guards.liveness,
    authenticateAgent: once(() => checkTokenAtCost(guards.limits.failedAgentAuth, ip, () => authenticateAgent(token, services))),
  };
}

/** Memoized: every call of a batch shares one token check and one failed-auth point. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= make());
}

export type Context = Awaited<ReturnType<typeof createContext>>;

/**
 * `Authorization: Bearer <token>` always. A browser's EventSource cannot send headers, so a
 * subscription may carry it as `?token=` or in the link's connectionParams instead.
 */
function readToken(req: CreateExpressContextOptions['req'], info: CreateExpressContextOptions['info']): string | null {
  const header = req.headers.authorization;
  const bearer = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
  if (bearer) return bearer;
  if (info.type !== 'subscription') return null;
  const query = new URL(req.originalUrl ?? req.url ?? '/', 'http://localhost').searchParams.get('token');
  return query || info.connectionParams?.token || null;
}
