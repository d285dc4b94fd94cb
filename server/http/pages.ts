import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from '../logger.js';

/**
 * The browser pages (PROTOCOL §6), from the web bundle that `npm run build` writes to
 * dist/web: `GET /` (demo store), `GET /widget.js` and the widget's hashed modules, `GET /console`
 * and its hashed assets.
 */

/** The bundle beside the running code: dist/web from dist/server.js, or from server/http/ in sources. */
export function findWebDir(): string | undefined {
  const candidates = [new URL('./web/', import.meta.url), new URL('../../dist/web/', import.meta.url)];
  return candidates.map((url) => fileURLToPath(url)).find((dir) => existsSync(join(dir, 'widget.js')));
}


export function createPages({ webDir = findWebDir(), logger }: { webDir?: string; logger: Logger }): Router {
  const pages = express.Router();
  if (!webDir) {
    logger.warn('web bundle not found (dist/web): run `npm run build` to serve the widget and the console');
    pages.get(['/', '/widget.js', '/console'], (_req, res) => {
      res.status(503).type('text/plain').send('The web bundle is not built: run `npm run build`.\n');
    });
    return pages;
  }

  const html = (file: string) => (_req: unknown, res: Response) => {
    // Pages revalidate every time (ETag), so a new deploy is picked up at once.
    // Content-Security-Policy and the other security headers: server/http/securityHeaders.ts.
    res.sendFile(join(webDir, file), { cacheControl: false, headers: { 'Cache-Control': 'no-cache' } });
  };

  pages.get('/', html('index.html'));
  pages.get(['/console', '/console/'], html('console/index.html'));

  // Site owners embed this URL as is, so it cannot be content-hashed: a short max-age,
  // then revalidation by ETag.
  pages.get('/widget.js', (req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    sendAsset(req, res, join(webDir, 'widget.js'), 'public, max-age=300, stale-while-revalidate=86400');
  });

  // The widget's ES modules (entry and lazy chunks) that widget.js imports: content-hashed, so
  // cached for good; fetched by other sites' pages, and module scripts are fetched with CORS.
  pages.get('/widget/assets/:name', (req, res, next) => {
    const name = String(req.params.name);
    if (!/^[\w-]+\.js$/.test(name) || !existsSync(join(webDir, 'widget/assets', name))) return next();
    res.setHeader('Access-Control-Allow-Origin', '*');
    sendAsset(req, res, join(webDir, 'widget/assets', name), 'public, max-age=31536000, immutable');
  });

  // Content-hashed names: cached for good.
  pages.get('/console/assets/:name', (req, res, next) => {
    const name = String(req.params.name);
    if (!/^[\w.-]+\.(js|css|map)$/.test(name) || !existsSync(join(webDir, 'console/assets', name))) return next();
    sendAsset(req, res, join(webDir, 'console/assets', name), 'public, max-age=31536000, immutable');
  });
  return pages;
}

/** Sends the precompressed `.br`/`.gz` twin of a file when the browser takes it. */
function sendAsset(req: Request, res: Response, file: string, cacheControl: string): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Vary', 'Accept-Encoding');
  res.type(file.endsWith('.css') ? 'css' : file.endsWith('.map') ? 'json' : 'js');
  const encoding = req.acceptsEncodings('br', 'gzip', 'identity');
  const suffix = encoding === 'br' ? '.br' : encoding === 'gzip' ? '.gz' : '';
  if (suffix && existsSync(file + suffix)) res.setHeader('Content-Encoding', encoding as string);
  res.sendFile(file + (res.getHeader('Content-Encoding') ? suffix : ''), {
    cacheControl: false,
    headers: { 'Cache-Control': cacheControl },
  });
}
