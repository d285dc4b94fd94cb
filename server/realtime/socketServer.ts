import type { Server as HttpServer } from 'node:http';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { Server, type Namespace } from 'socket.io';
import {
  CHAT_NAMESPACE,
  type ClientToServerEvents,
  type InterServerEvents,
  type ServerToClientEvents,
} from '../../shared/chat.js';
import type { Locale } from '../../shared/messages.js';
import { adapterPublisher, type RedisConnections } from '../events/redis.js';
import type { OriginPolicy } from '../http/origins.js';
import type { Logger } from '../logger.js';
import type { NodeMetrics } from '../metrics.js';
import type { ChatRef } from '../services/chat/chatRef.js';
import type { ClientIp } from '../security/clientIp.js';
import { allowOneNamespaceSocket, createConnectionGate } from '../security/connectionLimits.js';
import { capUnsentOutput } from '../security/outputCap.js';
import { paceUpgrades } from './upgradePacing.js';

/** The cookie of an Engine.IO handshake that holds the session id (Socket.IO's usual name). */
export const ENGINE_SESSION_COOKIE = 'io';

/** What the server keeps on each `/chat` socket. */
export interface SocketData {
  /** The chat this socket is attached to, after `chat:start` or `chat:resume`. */
  chat?: ChatRef;
  /** Attached through a `/c/` link: writing into the ended chat opens a new session of its ticket. */
  continuable?: boolean;
  locale: Locale;
}

/** The node's Socket.IO server, typed with the contract of `shared/chat.ts`. */
export type ChatServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type ChatNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export interface SocketServerDeps {
  isOriginAllowed: OriginPolicy;
  clientIp: ClientIp;
  logger: Logger;
  metrics: NodeMetrics;
  /** Socket.IO connections this node admits, in all and per client IP (PROTOCOL §7). */
  connections: { max: number; perIp: number };
  /** Given: rooms are shared with every node through the Redis adapter. Absent: one node, in memory. */
  redis?: { connections: RedisConnections; prefix: string; sharded: boolean };
}

export interface SocketServer {
  io: ChatServer;
  /** The `/chat` namespace; its handlers are registered by `registerChatNamespace`. */
  chat: ChatNamespace;
  /** Sends this node's sockets away (they reconnect to another node); other nodes' are untouched. */
  disconnectLocalSockets(): void;
}

/**
 * The Socket.IO edge on `httpServer`: CORS and the handshake's origin check, the connection
 * caps, one namespace socket per connection, the output cap, and the adapter.
 */
export function createSocketServer(httpServer: HttpServer, deps: SocketServerDeps): SocketServer {
  const { isOriginAllowed, clientIp, logger, metrics, connections } = deps;
  const io: ChatServer = new Server(httpServer, {
    serveClient: false,
    maxHttpBufferSize: 100_000,
    // The handshake names its Engine.IO session in a cookie: a load balancer learns from it which
    // node holds the session and routes its long-polling requests (`?sid=`) there, even when the
    // browser keeps no cookie (deploy/haproxy.cfg, PROTOCOL §10). It carries no secret.
    cookie: { name: ENGINE_SESSION_COOKIE, path: '/', httpOnly: true, sameSite: 'lax' },
    cors: { origin: (origin, callback) => callback(null, isOriginAllowed(origin, undefined) ? origin ?? false : false) },
    // Refused at the handshake: foreign origins (cross-site WebSocket hijacking) and, via
    // the gate below, connections past the node's or the IP's cap.
    allowRequest: (req, callback) =>
      callback(null, isOriginAllowed(req.headers.origin, req.headers.host) && admitsConnection(req)),
  });
  const admitsConnection = createConnectionGate(io, clientIp, connections);
  paceUpgrades(httpServer);
  // Beyond this Node itself drops new TCP connections, keeping headroom for HTTP and health probes.
  httpServer.maxConnections = connections.max + 500;
  if (deps.redis) io.adapter(redisAdapter(deps.redis));

  const chat: ChatNamespace = io.of(CHAT_NAMESPACE);
  allowOneNamespaceSocket([io.of('/'), chat]);
  capUnsentOutput(io.engine, logger);
  metrics.countSocketsWith(() => [...io._nsps].map(([name, namespace]) => [name, namespace.sockets.size] as [string, number]));

  return {
    io,
    chat,
    disconnectLocalSockets() {
      // `.local`: through the Redis adapter a plain disconnectSockets reaches every node's
      // sockets, and one node's drain would send the whole cluster's visitors away.
      chat.local.disconnectSockets(true);
      io.local.disconnectSockets(true);
    },
  };
}

/** The Socket.IO adapter over Redis: room broadcasts reach every node's sockets (the admin CLI's too). */
export function redisAdapter({ connections, prefix, sharded }: NonNullable<SocketServerDeps['redis']>) {
  const pub = adapterPublisher(connections.pub, () => {}); // the outage is logged by connectRedis
  return sharded
    ? createShardedAdapter(pub, connections.adapterSub, { channelPrefix: prefix })
    : createAdapter(pub, connections.adapterSub, { key: prefix });
}
