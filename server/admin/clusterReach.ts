import { Server } from 'socket.io';
import { CHAT_NAMESPACE } from '../../shared/chat.js';
import type { Config } from '../config.js';
import { createInMemoryEventBus, type EventBus } from '../events/bus.js';
import { connectRedis } from '../events/redis.js';
import { createRedisEventBus } from '../events/redisBus.js';
import type { Logger } from '../logger.js';
import { createCustomerChannel } from '../realtime/customerChannel.js';
import { redisAdapter, type ChatNamespace } from '../realtime/socketServer.js';
import type { CustomerChannel } from '../services/context.js';

/** How a command's effects reach the running nodes: their event bus, and their customers' sockets. */
export interface ClusterReach {
  bus: EventBus;
  customers: CustomerChannel;
  /** Whether the nodes hear it now (Redis), or only when they next read the database. */
  live: boolean;
  close(): Promise<void>;
}

/**
 * With REDIS_URL, the CLI joins the nodes' fan-out as one more node without sockets: events and
 * notices go out on the bus, and emits to a session's room reach whichever node holds its
 * sockets (a Socket.IO server with no HTTP server, on the same Redis adapter). Without it
 * there is nobody to tell: nodes re-read tokens and sessions from the database.
 */
export async function reachCluster(config: Config, logger: Logger): Promise<ClusterReach> {
  if (!config.REDIS_URL) {
    const io = new Server();
    return {
      bus: createInMemoryEventBus(),
      customers: createCustomerChannel(io.of(CHAT_NAMESPACE) as ChatNamespace),
      live: false,
      // A Socket.IO server never attached to HTTP holds nothing to close (its close() would throw).
      close: async () => {},
    };
  }
  const redis = await connectRedis(config.REDIS_URL, logger);
  const bus = await createRedisEventBus({
    pub: redis.pub,
    sub: redis.busSub,
    logger,
    sharded: config.REDIS_SHARDED,
    prefix: config.REDIS_PREFIX,
  });
  const io = new Server();
  io.adapter(redisAdapter({ connections: redis, prefix: config.REDIS_PREFIX, sharded: config.REDIS_SHARDED }));
  return {
    bus,
    customers: createCustomerChannel(io.of(CHAT_NAMESPACE) as ChatNamespace),
    live: true,
    async close() {
      // Redis answers a connection's commands in order: once this ping is answered, every
      // publish sent before it (events, room emits) has gone out.
      await redis.pub.ping().catch(() => {});
      await bus.close();
      await redis.close();
    },
  };
}
