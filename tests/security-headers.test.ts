import { describe, expect, it } from 'vitest';
import { useTestNode, usePglite } from './support/suite.js';

describe('security headers', () => {
  const db = usePglite();
  const node = useTestNode(db);

  it('pages carry a strict CSP and helmet’s headers', async () => {
    for (const path of ['/', '/console']) {
      const res = await fetch(`${node().url}${path}`);
      expect(res.status).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-eval');
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('the widget script may be embedded by other sites; the API says nosniff too', async () => {
    const widget = await fetch(`${node().url}/widget.js`);
    expect(widget.status).toBe(200);
    expect(widget.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    const api = await fetch(`${node().url}/api/chat`);
    expect(api.status).toBe(401);
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('a request Node’s parser refuses (URL past the header limit, garbage) is answered in the contract’s error shape', async () => {
    const long = await fetch(`${node().url}/api/chat?afterSeq=${'1'.repeat(40_000)}`);
    expect(long.status).toBe(431);
    expect(await long.json()).toEqual({ error: { code: 'VALIDATION', message: 'The URL or headers are too large' } });
    const { createConnection } = await import('node:net');
    const raw = createConnection(node().port, '127.0.0.1');
    raw.write('NOT HTTP AT ALL\r\n\r\n');
    let answer = '';
    for await (const chunk of raw) answer += String(chunk);
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toContain('"code":"VALIDATION"');
    expect((await fetch(`${node().url}/healthz`)).status).toBe(200);
  });
});
