import { randomUUID } from 'node:crypto';
import { Router, type RequestHandler, type Response } from 'express';
import type { Logger } from '../logger.js';
import type { NodeMetrics } from '../metrics.js';

// A request id handed in by the proxy in front is kept when it looks like one.
const INCOMING_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Gives every HTTP request an id (`X-Request-Id`, kept from the proxy when sane) and a logger
 * carrying it (`res.locals.logger`), logs its answer at debug level and counts it.
 */
export function requestIds(logger: Logger, metrics: NodeMetrics): RequestHandler {
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    const began = performance.now();
    res.locals.requestId = requestId;
    res.locals.logger = logger.child({ requestId });
    res.setHeader('X-Request-Id', requestId);
    res.once('finish', () => {
      metrics.httpRequests.inc({ method: req.method, status: `${Math.floor(res.statusCode / 100)}xx` });
      requestLogger(res, logger).debug(
        { method: req.method, path: req.path, status: res.statusCode, ms: Math.round(performance.now() - began) },
        'request answered',
      );
    });
    next();
  };
}

/** The request's own logger (with its id), or the node's before the id is given. */
export function requestLogger(res: Response, fallback: Logger): Logger {
  return (res.locals.logger as Logger | undefined) ?? fallback;
}

/** `GET /metrics`: the node's registry in Prometheus text format. */
export function createMetricsRoute(metrics: NodeMetrics): Router {
  const router = Router();
  router.get('/metrics', async (_req, res, next) => {
    try {
      const body = await metrics.registry.metrics();
      res.setHeader('Content-Type', metrics.registry.contentType);
      res.setHeader('Cache-Control', 'no-store');
      res.send(body);
    } catch (error) {
      next(error);
    }
  });
  return router;
}
