/**
 * Whether a browser origin may open the widget's socket or call `/api/chat`. The node's own
 * origin — PUBLIC_URL's, and that of the request's own Host — always may, whatever
 * CORS_ORIGINS says (PROTOCOL §7); beyond it, the configured `CORS_ORIGINS`, else localhost.
 * No Origin header = not a browser = allowed.
 */
export function createOriginPolicy(allowed: string[] | undefined, publicUrl: string) {
  const configured = allowed ? new Set(allowed.map(normalizeOrigin)) : undefined;
  const ownOrigin = normalizeOrigin(new URL(publicUrl).origin);
  return function isOriginAllowed(origin: string | undefined, host: string | undefined): boolean {
    if (!origin) return true;
    const normalized = normalizeOrigin(origin);
    if (normalized === ownOrigin) return true;
    let url: URL;
    try {
      url = new URL(normalized);
    } catch {
      return false;
    }
    if (host && url.host === host.toLowerCase()) return true;
    if (configured) return configured.has(normalized) || configured.has('*');
    return url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  };
}

export type OriginPolicy = ReturnType<typeof createOriginPolicy>;

function normalizeOrigin(origin: string): string {
  return origin.trim().replace(/\/+$/, '').toLowerCase();
}
