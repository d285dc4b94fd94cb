import { Router } from 'express';
import { buildOpenApiDocument } from './openApi.js';

/**
 * `GET /openapi.json` and `GET /docs` (PROTOCOL §13). The page is rendered here from the same
 * document: plain HTML and CSS, no script, so it needs nothing from a CDN and fits the CSP.
 */
export function createApiDocsRoutes(): Router {
  const document = buildOpenApiDocument();
  const page = renderApiDocs(document);
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    // Read by tools on other origins (editors, code generators); it holds nothing secret.
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.json(document);
  });
  router.get('/docs', (_req, res) => {
    res.type('html').setHeader('Cache-Control', 'no-cache');
    res.send(page);
  });
  return router;
}

type Json = Record<string, any>;

const escape = (text: unknown) =>
  String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** `code` spans for the backticks of the document's texts. */
const prose = (text: unknown) => escape(text).replace(/`([^`]+)`/g, '<code>$1</code>');

const schemaText = (schema: unknown) => `<pre>${escape(JSON.stringify(schema, null, 2))}</pre>`;

function renderOperation(path: string, method: string, operation: Json): string {
  const parameters = (operation.parameters ?? []) as Json[];
  const body = operation.requestBody?.content?.['application/json']?.schema;
  const responses = Object.entries((operation.responses ?? {}) as Record<string, Json>);
  return `<section id="${escape(operation.operationId)}">
<h3><span class="method ${escape(method)}">${escape(method.toUpperCase())}</span> <code>${escape(path)}</code></h3>
<p>${prose(operation.summary)}</p>${operation.description ? `<p>${prose(operation.description)}</p>` : ''}
<p class="auth">Auth: ${operation.security ? escape(Object.keys(operation.security[0]).join(', ')) : 'none'}</p>
${parameters.length ? `<table><thead><tr><th>parameter</th><th>in</th><th>required</th><th>schema</th></tr></thead><tbody>${parameters
    .map((p) => `<tr><td><code>${escape(p.name)}</code>${p.description ? `<br><small>${prose(p.description)}</small>` : ''}</td><td>${escape(p.in)}</td><td>${p.required ? 'yes' : 'no'}</td><td>${schemaText(p.schema)}</td></tr>`)
    .join('')}</tbody></table>` : ''}
${body ? `<h4>JSON body</h4>${schemaText(body)}` : ''}
<h4>Responses</h4><ul>${responses.map(([status, response]) => `<li><b>${escape(status)}</b> ${prose(response.description)}</li>`).join('')}</ul>
</section>`;
}

/** The document as one readable page: a table of contents, then every operation. */
export function renderApiDocs(document: Json): string {
  const operations = Object.entries(document.paths as Record<string, Json>).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method, operation: operation as Json })),
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(document.info.title)}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
code,pre{font:13px ui-monospace,monospace}pre{background:#f4f6f8;padding:.5rem;overflow:auto;max-height:24rem;margin:0}
section{border-top:1px solid #d8dde3;padding:.5rem 0}table{border-collapse:collapse;width:100%}td,th{border:1px solid #d8dde3;padding:.25rem;vertical-align:top;text-align:left}
.method{display:inline-block;min-width:4rem;color:#fff;border-radius:3px;padding:0 .3rem;text-align:center;background:#555}
.get{background:#1f6feb}.post{background:#1a7f37}.patch{background:#9a6700}.put{background:#8250df}.auth{color:#57606a}
</style></head><body>
<h1>${escape(document.info.title)}</h1>
<p>${prose(document.info.description)}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${escape(document.openapi)}).</p>
<nav><ul>${operations.map(({ path, method, operation }) => `<li><a href="#${escape(operation.operationId)}">${escape(method.toUpperCase())} ${escape(path)}</a> — ${prose(operation.summary)}</li>`).join('')}</ul></nav>
${operations.map(({ path, method, operation }) => renderOperation(path, method, operation)).join('\n')}
<h2>Error body</h2>${schemaText(document.components.schemas.Error)}
</body></html>`;
}
