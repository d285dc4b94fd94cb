import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/**
 * The client's address: the socket's peer, or the address a trusted proxy (loopback by
 * default: a reverse proxy on the same host) put in X-Forwarded-For.
 */
export function createClientIp(trust: string[]) {
  const trusted = proxyaddr.compile(trust);
  return (req: IncomingMessage): string => {
    try {
      return proxyaddr(req as Parameters<typeof proxyaddr>[0], trusted);
    } catch {
      return req.socket.remoteAddress ?? 'unknown';
    }
  };
}

export type ClientIp = ReturnType<typeof createClientIp>;
