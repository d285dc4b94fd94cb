import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logger.js';

export interface RedisConnections {
  /** Publishes for the Socket.IO adapter and the event bus; fails fast while Redis is away. */
  pub: Redis;
  /** Subscriber connection of the Socket.IO adapter. */
  adapterSub: Redis;
  /** Subscriber connection of the event bus. */
  busSub: Redis;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the node's Redis connections. They reconnect forever with backoff; the outage and the
 * recovery are logged once each. The publisher has no offline queue, so an outage drops
 * cross-node fan-out instead of buffering without bound — local sockets keep being served.
 */
export async function connectRedis(url: string, logger: Logger): Promise<RedisConnections> {
  const base: RedisOptions = {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 2000),
    reconnectOnError: () => true,
  };
  const pub = new Redis(url, { ...base, enableOfflineQueue: false, connectionName: 'atende-pub' });
  const adapterSub = new Redis(url, { ...base, connectionName: 'atende-adapter-sub' });
  const busSub = new Redis(url, { ...base, connectionName: 'atende-bus-sub' });
  const all = [pub, adapterSub, busSub];

  const state = { closing: false };
  for (const client of all) watchOutage(client, logger, state);
  await Promise.all(all.map((client) => client.connect()));

  return {
    pub,
    adapterSub,
    busSub,
    async ping() {
      // Ready only when all three are: the subscribers too, or fan-out would be silently partial.
      const notReady = all.find((client) => client.status !== 'ready');
      if (notReady) throw new Error(`redis ${notReady.options.connectionName} ${notReady.status}`);
      await pub.ping();
    },
    async close() {
      state.closing = true;
      await Promise.all(all.map((client) => client.quit().catch(() => client.disconnect())));
    },
  };
}

function watchOutage(client: Redis, logger: Logger, state: { closing: boolean }): void {
  const name = client.options.connectionName;
  let down = false;
  client.on('error', (error: Error) => {
    if (!down && !state.closing) logger.warn({ redis: name, err: error }, 'Redis unreachable; serving local sockets only until it returns');
    down = true;
  });
  client.on('close', () => {
    if (!down && !state.closing) logger.warn({ redis: name }, 'Redis connection closed; reconnecting');
    down = true;
  });
  client.on('ready', () => {
    if (down) logger.info({ redis: name }, 'Redis is back; fan-out resumed');
    down = false;
  });
}

/**
 * The publisher as handed to the Socket.IO Redis adapter. The adapter fires `publish` without
 * handling its rejection; during an outage (no offline queue) that would be an unhandled
 * rejection, so each publish gets a handler here. Local delivery is unaffected.
 */
export function adapterPublisher(pub: Redis, onFailure: (error: unknown) => void): Redis {
  return new Proxy(pub, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (property === 'publish' || property === 'spublish') {
        return (...args: unknown[]) => {
          const sent = (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          sent.catch((error: unknown) => {
            try {
              onFailure(error);
            } catch {
              // A failure handler must not turn a dropped publish into an unhandled rejection.
            }
          });
          return sent;
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
