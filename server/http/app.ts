import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { AppError, HTTP_STATUS, toAppError, toErrorBody } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ServiceContext } from '../services/context.js';
import type { PayloadSchemas } from '../validation.js';
import { createApiDocsRoutes } from './apiDocs.js';
import { createChatRoutes } from './chatRoutes.js';
import { AGENT_REST_BASE } from './agentRestOperations.js';
import { createAgentRestRoutes } from './agentRestRoutes.js';
import type { OriginPolicy } from './origins.js';
import { createHealthRoutes, type ReadinessCheck } from './healthRoutes.js';
import { createPages } from './pages.js';
import { createConversationPage } from './conversationPage.js';
import { securityHeaders } from './securityHeaders.js';
import { createMetricsRoute, requestIds, requestLogger } from './observability.js';
import type { InflightTracker } from '../inflight.js';
import type { RateLimits } from '../security/rateLimits.js';
import type { ClientIp } from '../security/clientIp.js';
import type { AgentStreamWatch } from '../services/agents/agentStreamWatch.js';
import type { AgentLiveness } from '../services/agents/agentLiveness.js';

export interface HttpAppDeps {
  ctx: ServiceContext;
  schemas: PayloadSchemas;
  logger: Logger;
  inflight: InflightTracker;
  isOriginAllowed: OriginPolicy;
  limits: RateLimits;
  clientIp: ClientIp;
  readiness: ReadinessCheck[];
  /** True once the node was told to stop: `/readyz` then answers 503. */
  isDraining?: () => boolean;
  /** The tRPC agent API, mounted at `/trpc` when given. */
  agentApi?: RequestHandler;
  /** Ends agents' event streams when their token is revoked, and all of them at shutdown. */
  agentStreams: AgentStreamWatch;
  liveness: AgentLiveness;
}

/** The Express application: health, the HTTP chat API, and one error mapping for all of it. */
export function createHttpApp(deps: HttpAppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  app.use(requestIds(deps.logger, deps.ctx.metrics));
  app.use(trackInflight(deps.inflight));
  app.use(securityHeaders());
  app.use(createHealthRoutes(deps.readiness, deps.isDraining));
  app.use(createMetricsRoute(deps.ctx.metrics));
  app.use(createPages({ logger: deps.logger }));
  app.use(createApiDocsRoutes());
  const perIp = limitPerIp(deps.limits, deps.clientIp);
  app.use('/c', perIp, createConversationPage(deps.ctx, deps.schemas, { limits: deps.limits, clientIp: deps.clientIp }));
  app.use(
    '/api/chat',
    perIp,
    allowOrigins(deps.isOriginAllowed),
    express.json({ limit: '64kb' }),
    createChatRoutes(deps.ctx, deps.schemas, { limits: deps.limits, clientIp: deps.clientIp }),
  );
  if (deps.agentApi) app.use('/trpc', perIp, deps.agentApi);
  app.use(AGENT_REST_BASE, perIp, createAgentRestRoutes(deps.ctx, { limits: deps.limits, clientIp: deps.clientIp }, { streams: deps.agentStreams, liveness: deps.liveness }));
  app.use('/api', (_req, _res, next) => next(new AppError('NOT_FOUND', 'No such endpoint')));
  app.use(errorHandler(deps.logger));
  return app;
}

/** Shutdown waits for requests already being answered. */
function trackInflight(inflight: InflightTracker): RequestHandler {
  return (_req, res, next) => {
    void inflight.track(
      () =>
        new Promise<void>((resolve) => {
          res.once('close', resolve);
          next();
        }),
    );
  };
}

/** Every API call spends one of its IP's points. */
function limitPerIp(limits: RateLimits, clientIp: ClientIp): RequestHandler {
  return (req, _res, next) => {
    limits.httpRequests.consume(clientIp(req)).then(() => next(), next);
  };
}

/** CORS for the chat API: allowed browser origins get the headers, others are refused. */
function allowOrigins(isOriginAllowed: OriginPolicy): RequestHandler {
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (!isOriginAllowed(origin, req.headers.host)) {
      return next(new AppError('FORBIDDEN', 'Origin not allowed'));
    }
    if (origin) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
    }
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, PUT, POST, PATCH');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type');
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  };
}

function errorHandler(logger: Logger): ErrorRequestHandler {
  return (thrown, req, res, _next) => {
    const error = fromBodyParser(thrown) ?? toAppError(thrown);
    if (error.code === 'INTERNAL' || error.code === 'UNAVAILABLE') {
      requestLogger(res, logger).error({ err: error.cause ?? error, method: req.method, path: req.path }, 'request failed');
    }
    if (error.code === 'UNAVAILABLE') res.setHeader('Retry-After', '5');
    if (error.retryAfterMs !== undefined) res.setHeader('Retry-After', String(Math.ceil(error.retryAfterMs / 1000)));
    res.status(HTTP_STATUS[error.code]).json({ error: toErrorBody(error) });
  };
}

/** express.json's own errors (bad JSON, too large) are the client's fault, not ours. */
function fromBodyParser(thrown: unknown): AppError | undefined {
  const type = (thrown as { type?: unknown } | null)?.type;
  if (type === 'entity.parse.failed') {
    return new AppError('VALIDATION', 'The body is not valid JSON', { fields: { payload: 'Invalid JSON' } });
  }
  if (type === 'entity.too.large') {
    return new AppError('VALIDATION', 'The body is too large', { fields: { payload: 'Too large' } });
  }
  if (typeof type === 'string' && type.startsWith('encoding.') || type === 'charset.unsupported') {
    return new AppError('VALIDATION', 'Unsupported body encoding', { fields: { payload: 'Unsupported encoding' } });
  }
  return undefined;
}
