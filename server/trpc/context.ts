import { randomUUID } from 'node:crypto';
import type { CreateExpressContextOptions } from '@trpc/server/adapters/express';
import type { ServiceContext } from '../services/context.js';
import type { EdgeGuards } from '../security/edgeGuards.js';

export type { EdgeGuards };

/**
 * Per request: the services, the presented API token (checked by `agentProcedure`, not
 * here, so a database failure is answered as such) and a request id for the logs.
 */
export async function createContext(
  services: ServiceContext,
  guards: EdgeGuards,
  { req, res, info }: CreateExpressContextOptions,
) {
  // The HTTP layer's id (also in the X-Request-Id answer header), so both log the same one.
  const requestId = typeof res.locals?.requestId === 'string' ? res.locals.requestId : randomUUID();
  return {
    services,
    requestId,
    logger: services.logger.child({ requestId }),
    token: readToken(req, info),
    ip: guards.clientIp(req),
    limits: guards.limits,
  };
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
