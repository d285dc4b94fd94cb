import { Socket } from 'node:net';

interface ConnectOptions {
  host: string[];
  port: number[];
  path?: string | false;
}

/**
 * postgres.js's `socket` option: a plain TCP (or Unix) socket, except that a server that
 * accepts the connection and closes it without a word fails the attempt. postgres.js takes such
 * a close, while it is still connecting, as a reason to reconnect at once and keeps the query
 * waiting forever: behind a proxy whose database is down (HAProxy, PgBouncer, a cut route)
 * every query would hang instead of answering UNAVAILABLE.
 */
export function serverSocket(options: ConnectOptions): Socket {
  const socket = new Socket();
  socket.once('end', () => {
    if (socket.bytesRead > 0) return;
    const closed = Object.assign(new Error('The database server closed the connection before answering'), {
      code: 'ECONNRESET',
    });
    socket.destroy(closed);
  });
  if (options.path) socket.connect(options.path);
  else socket.connect(options.port[0]!, options.host[0]!);
  return socket;
}

/** Adds `socket: serverSocket` to postgres.js options: its README documents the option, its types lack it. */
export function withServerSocket<T extends object>(options: T): T {
  return { ...options, socket: serverSocket };
}
