import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Socket.IO's own path: its engine answers it (the polling transport every browser starts with). */
const SOCKET_IO_PATH = '/socket.io/';

/**
 * Hands every request but Socket.IO's to `app`. Were Express to answer Socket.IO's path too
 * (404), the second response would crash the process.
 */
export function serveHttp(httpServer: HttpServer, app: (req: IncomingMessage, res: ServerResponse) => void): void {
  httpServer.on('request', (req, res) => {
    if (!req.url?.startsWith(SOCKET_IO_PATH)) app(req, res);
  });
}

/** Listens on `port` (0 = any free one) and resolves with the URL a local client reaches it at. */
export async function listen(httpServer: HttpServer, port: number, host: string, backlog?: number): Promise<{ url: string; port: number }> {
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen({ port, host, ...(backlog ? { backlog } : {}) }, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const bound = (httpServer.address() as AddressInfo).port;
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return { url: `http://${reachable}:${bound}`, port: bound };
}
