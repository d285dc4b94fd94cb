/**
 * Whether a browser origin may open the widget's socket or call `/api/chat`: the configured
 * `CORS_ORIGINS`, else the same origin and localhost. No Origin header = not a browser = allowed.
 */
export function createOriginPolicy(allowed: string[] | undefined) {
  const configured = allowed ? new Set(allowed.map(normalizeOrigin)) : undefined;
  return function isOriginAllowed(origin: string | undefined, host: string | undefined): boolean {
    if (!origin) return true;
    const normalized = normalizeOrigin(origin);
    if (configured) return configured.has(normalized) || configured.has('*');
    let url: URL;
    try {
      url = new URL(normalized);
    } catch {
      return false;
    }
    if (host && url.host === host) return true;
    return url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  };
}

export type OriginPolicy = ReturnType<typeof createOriginPolicy>;

function normalizeOrigin(origin: string): string {
  return origin.trim().replace(/\/+$/, '').toLowerCase();
}
