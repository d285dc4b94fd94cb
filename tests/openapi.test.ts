import SwaggerParser from '@apidevtools/swagger-parser';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { createHttpApp } from '../server/http/app.js';
import { buildOpenApiDocument } from '../server/http/openApi.js';
import { createOriginPolicy } from '../server/http/origins.js';
import { createInflightTracker } from '../server/inflight.js';
import { createClientIp } from '../server/security/clientIp.js';
import { createRateLimits } from '../server/security/rateLimits.js';
import { createPayloadSchemas } from '../server/validation.js';
import { createAgentStreamWatch } from '../server/services/agents/agentStreamWatch.js';
import { usePglite, useTestNode } from './support/suite.js';
import { expressRoutes } from './support/expressRoutes.js';
import { createAgentLiveness } from '../server/services/agents/agentLiveness.js';

const documented = (document: Record<string, any>) =>
  Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
  );

describe('OpenAPI document (/openapi.json) and /docs', () => {
  const db = usePglite();
  const node = useTestNode(db);

  /** The node's own Express app, built by the same factory startNode uses. */
  function nodeApp() {
    const limits = createRateLimits(
      { chatStartsPerMinute: 10, messagesPerMinute: 10, httpRequestsPerMinute: 10, failedAuthPerMinute: 10, resumesPerMinute: 10 },
      undefined,
      () => {},
    );
    return createHttpApp({
      ctx: node().ctx,
      schemas: createPayloadSchemas('BR'),
      logger: node().ctx.logger,
      inflight: createInflightTracker(),
      isOriginAllowed: createOriginPolicy(undefined, 'http://localhost'),
      limits,
      clientIp: createClientIp(['loopback']),
      readiness: [],
      agentApi: (_req, _res, next) => next(),
      agentStreams: createAgentStreamWatch(node().ctx),
      liveness: createAgentLiveness(node().ctx),
    });
  }

  it('is served as a valid OpenAPI 3.1 document', async () => {
    const response = await fetch(`${node().url}/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as Record<string, any>;
    expect(document.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeTruthy();
    // The request schemas are the zod schemas': e.g. the reply's body limit and the list's page size.
    const reply = document.paths['/api/v1/tickets/{id}/replies'].post.requestBody.content['application/json'].schema;
    expect(reply.properties.body.maxLength).toBe(4000);
    expect(reply.properties).not.toHaveProperty('id');
    const list = document.paths['/api/v1/tickets'].get.parameters.find((p: { name: string }) => p.name === 'limit');
    expect(list.schema).toMatchObject({ type: 'integer', maximum: 100 });
    // The search parameter says what it searches (PROTOCOL §11), from the zod schema's description.
    const q = document.paths['/api/v1/tickets'].get.parameters.find((p: { name: string }) => p.name === 'q');
    expect(q.description).toMatch(/Portuguese stems, accents ignored; not notes/);
    expect(q.schema).toMatchObject({ type: 'string', maxLength: 200 });
  });

  it('has an entry for every Express route under /api, and no entry without a route', () => {
    const routes = expressRoutes(nodeApp()).filter((route) => route.split(' ')[1]!.startsWith('/api'));
    const entries = documented(buildOpenApiDocument());
    expect(routes.length).toBeGreaterThanOrEqual(14);
    expect(routes.filter((route) => !entries.includes(route)), 'routes without an OpenAPI entry').toEqual([]);
    expect(entries.filter((entry) => !routes.includes(entry)), 'entries without a route').toEqual([]);
  });

  it('the route check sees a route added without an entry', () => {
    const app = express();
    const router = express.Router();
    router.get('/things/:id', (_req, res) => res.end());
    app.use('/api/v1', router);
    expect(expressRoutes(app)).toEqual(['GET /api/v1/things/{id}']);
  });

  it('/docs renders every operation as plain HTML within the CSP (no script, nothing from another origin)', async () => {
    const response = await fetch(`${node().url}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await response.text();
    expect(html).not.toMatch(/<script|https?:\/\/(?!localhost)/i);
    for (const entry of documented(buildOpenApiDocument())) {
      const [method, path] = entry.split(' ');
      expect(html, entry).toContain(`${method}</span> <code>${path}</code>`);
    }
  });
});
