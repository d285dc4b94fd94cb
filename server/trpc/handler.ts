import { createExpressMiddleware } from '@trpc/server/adapters/express';
import type { Handler, Response } from 'express';
import { AppError } from '../errors.js';
import type { ServiceContext } from '../services/context.js';
import { appRouter } from './appRouter.js';
import { createContext, type AgentApiDeps } from './context.js';

export interface AgentApi {
  /** Mount at `/trpc`. */
  handler: Handler;
  /**
   * Drops every open event stream, so shutdown need not wait for them; their EventSource
   * reconnects, through the load balancer, to a node that is still up.
   */
  close(): void;
}

const MAX_BODY_BYTES = 256 * 1024;
/** PROTOCOL §7: a larger batch is refused whole (BAD_REQUEST) before any call runs. */
export const MAX_BATCH_CALLS = 20;

/** The tRPC agent API as an Express handler over the node's services. */
export function createAgentApi(services: ServiceContext, guards: AgentApiDeps): AgentApi {
  const streams = new Set<Response>();
  const middleware = createExpressMiddleware({
    router: appRouter,
    createContext: (options) => createContext(services, guards, options),
    maxBodySize: MAX_BODY_BYTES,
    maxBatchSize: MAX_BATCH_CALLS,
    onError({ error, path, type, ctx }) {
      if (error.code !== 'INTERNAL_SERVER_ERROR' && error.code !== 'SERVICE_UNAVAILABLE') return;
      const cause = error.cause instanceof AppError ? (error.cause.cause ?? error.cause) : (error.cause ?? error);
      (ctx?.logger ?? services.logger).error({ err: cause, path, type }, 'agent API call failed');
    },
  });

  return {
    handler(req, res, next) {
      if (req.headers.accept?.includes('text/event-stream')) {
        streams.add(res);
        res.once('close', () => streams.delete(res));
      }
      return middleware(req, res, next);
    },
    close() {
      guards.agentStreams.close();
      guards.liveness.close();
      for (const res of streams) res.destroy();
      streams.clear();
    },
  };
}
