import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Namespace, Server as SocketServer } from 'socket.io';
import type { ClientIp } from './clientIp.js';

/** The process's open-file limit (Linux), or undefined where it cannot be read. */
export function fileDescriptorLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    const value = Number(soft);
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A connection cap safely below the file-descriptor limit (room for the database, Redis, files). */
export function defaultMaxConnections(): number {
  const limit = fileDescriptorLimit();
  return limit ? Math.max(100, Math.min(18_000, limit - 1_000)) : 18_000;
}

/**
 * Decides whether a new Socket.IO connection may open: past the node-wide cap, or the cap per
 * client IP, it is refused cleanly at the handshake while existing connections keep working.
 */
export function createConnectionGate(io: SocketServer, clientIp: ClientIp, limits: { max: number; perIp: number }) {
  const perIp = new Map<string, number>();
  io.engine.on('connection', (socket: { request: IncomingMessage; once(event: 'close', fn: () => void): void }) => {
    const ip = clientIp(socket.request);
    perIp.set(ip, (perIp.get(ip) ?? 0) + 1);
    socket.once('close', () => {
      const left = (perIp.get(ip) ?? 1) - 1;
      if (left <= 0) perIp.delete(ip);
      else perIp.set(ip, left);
    });
  });
  return function admits(req: IncomingMessage): boolean {
    if (io.engine.clientsCount >= limits.max) return false;
    return (perIp.get(clientIp(req)) ?? 0) < limits.perIp;
  };
}

/**
 * One namespace socket per Socket.IO connection (PROTOCOL §7). Without it a client admitted
 * once could send many CONNECT frames and hold many sockets, each with its own message
 * allowance, past MAX_CONNECTIONS. With it namespace sockets never outnumber the engine
 * connections the gate above admitted, so they count toward both caps. The claim is taken
 * synchronously, before any await, so CONNECT frames that arrive together cannot all pass.
 */
export function allowOneNamespaceSocket(namespaces: Namespace[]): void {
  const claimed = new WeakSet<object>();
  for (const nsp of namespaces) {
    nsp.use((socket, next) => {
      const conn = socket.conn;
      if (claimed.has(conn)) {
        next(Object.assign(new Error('This connection already has a socket open'), { data: { code: 'FORBIDDEN' } }));
        return;
      }
      claimed.add(conn);
      // Disconnecting the namespace frees the connection for a new CONNECT (a client's manual reconnect).
      socket.once('disconnect', () => claimed.delete(conn));
      next();
    });
  }
}
