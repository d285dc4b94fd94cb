import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { useTestNode, usePglite } from './support/suite.js';

/** The pages of PROTOCOL §6 over plain HTTP: what is served, and how it may be cached. */

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('browser pages', () => {
  const db = usePglite();
  const node = useTestNode(db);

  it('GET / is the demo store with the widget, revalidated on every visit', async () => {
    const page = await get(node().url, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers.etag).toBeTruthy();
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.body.toString()).toContain('<script src="/widget.js"');
    const again = await get(node().url, '/', { 'If-None-Match': String(page.headers.etag) });
    expect(again.status).toBe(304);
  });

  it('GET /widget.js is cached briefly, revalidated by ETag, and sent precompressed', async () => {
    const plain = await get(node().url, '/widget.js');
    expect(plain.status).toBe(200);
    expect(plain.headers['content-type']).toMatch(/javascript/);
    expect(plain.headers['cache-control']).toMatch(/^public, max-age=300\b/);
    expect(plain.headers['access-control-allow-origin']).toBe('*');
    expect(plain.headers.vary).toBe('Accept-Encoding');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.etag).toBeTruthy();

    const gzipped = await get(node().url, '/widget.js', { 'Accept-Encoding': 'gzip' });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzipped.body).equals(plain.body)).toBe(true);

    const revalidated = await get(node().url, '/widget.js', { 'If-None-Match': String(plain.headers.etag) });
    expect(revalidated.status).toBe(304);
  });

  it('the widget’s modules that widget.js names are content-hashed, cached for good, readable cross-origin and precompressed', async () => {
    const loader = (await get(node().url, '/widget.js')).body.toString();
    const modules = [...loader.matchAll(/"(widget\/assets\/[\w-]+\.js)"/g)].map((m) => `/${m[1]!}`);
    expect(modules[0]).toMatch(/^\/widget\/assets\/widget-[A-Z0-9]{8}\.js$/);
    for (const path of modules) {
      const plain = await get(node().url, path);
      expect(plain.status, path).toBe(200);
      expect(plain.headers['content-type']).toMatch(/javascript/);
      expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      // Module scripts are fetched with CORS: other sites' pages load them.
      expect(plain.headers['access-control-allow-origin']).toBe('*');
      const gzipped = await get(node().url, path, { 'Accept-Encoding': 'gzip' });
      expect(gzipped.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(gzipped.body).equals(plain.body)).toBe(true);
    }
    const entry = await get(node().url, modules[0]!, { 'Accept-Encoding': 'gzip' });
    expect(entry.body.length).toBeLessThan(gunzipSync(entry.body).length / 2);
    expect((await get(node().url, '/widget/assets/widget-NOPE.js')).status).toBe(404);
    expect((await get(node().url, '/widget/assets/..%2f..%2fbuild.json')).status).toBe(404);
    expect((await get(node().url, '/widget/assets/build.json')).status).toBe(404);
  });

  it('GET /console names content-hashed assets that are cached for good', async () => {
    const page = await get(node().url, '/console');
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-cache');
    const html = page.body.toString();
    const assets = [...html.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toHaveLength(2);
    for (const asset of assets) {
      expect(asset).toMatch(/console-[A-Z0-9]{8}\.(js|css)$/);
      const reply = await get(node().url, asset, { 'Accept-Encoding': 'br, gzip' });
      expect(reply.status, asset).toBe(200);
      expect(reply.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(reply.headers['content-type']).toMatch(asset.endsWith('.css') ? /^text\/css/ : /javascript/);
      expect(['br', 'gzip']).toContain(reply.headers['content-encoding']);
    }
    expect((await get(node().url, '/console/assets/console-NOPE.js')).status).toBe(404);
    expect((await get(node().url, '/console/assets/..%2f..%2fwidget.js')).status).toBe(404);
  });

  it('Socket.IO’s polling transport (what browsers open first) is answered once, and the node stays up', async () => {
    const handshake = await get(node().url, '/socket.io/?EIO=4&transport=polling');
    expect(handshake.status).toBe(200);
    expect(handshake.body.toString()).toMatch(/^0\{"sid"/);
    expect((await get(node().url, '/healthz')).status).toBe(200);
  });
});
