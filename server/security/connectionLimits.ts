import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Server as SocketServer } from 'socket.io';
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
