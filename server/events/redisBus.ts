import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AgentEvent } from '../../shared/events.js';
import type { Logger } from '../logger.js';
import { preciseNow } from '../metrics.js';
import { createInMemoryEventBus, EVENT_META, type BusObserver, type EventBus, type NodeNotice } from './bus.js';

export interface RedisEventBusOptions {
  pub: Redis;
  sub: Redis;
  logger: Logger;
  /** Sharded pub/sub (SPUBLISH/SSUBSCRIBE, Redis 7), as a Redis Cluster needs. */
  sharded: boolean;
  /** REDIS_PREFIX: the channel is `<prefix>:events`. */
  prefix: string;
  observer?: BusObserver;
}

interface Envelope {
  origin: string;
  /** A domain event, or else a notice between nodes. */
  event?: AgentEvent;
  notice?: NodeNotice;
  /** Publisher's clock (ms, sub-ms precision), for the lag metric. */
  sentAt?: number;
}

/**
 * The event bus across nodes. Each event is delivered to this node's subscribers at once and
 * published to Redis for the others; a node ignores its own echoes. While Redis is away the
 * local half keeps working and the remote half is dropped (and counted), never queued.
 */
export async function createRedisEventBus(options: RedisEventBusOptions): Promise<EventBus & { dropped(): number }> {
  const { pub, sub, logger, sharded } = options;
  const channel = `${options.prefix}:events`;
  const origin = randomUUID();
  const local = createInMemoryEventBus((error) => logger.error({ err: error }, 'event listener failed'), options.observer);
  let dropped = 0;

  const onMessage = (from: string, raw: string) => {
    if (from !== channel) return;
    // Runs in ioredis's event emitter: a throw here would be an uncaught exception.
    try {
      const envelope = JSON.parse(raw) as Envelope;
      if (envelope.origin === origin) return;
      if (envelope.notice && !envelope.event) {
        if (typeof envelope.notice.type === 'string') local.hear(envelope.notice);
        return;
      }
      if (typeof envelope.event?.type !== 'string') return;
      const lagMs = typeof envelope.sentAt === 'number' ? preciseNow() - envelope.sentAt : undefined;
      local.deliver(envelope.event, EVENT_META.REMOTE, lagMs);
    } catch (error) {
      logger.warn({ err: error }, 'ignored a malformed event from Redis');
    }
  };
  if (sharded) {
    sub.on('smessage', onMessage);
    await sub.ssubscribe(channel);
  } else {
    sub.on('message', onMessage);
    await sub.subscribe(channel);
  }

  return {
    publish(event) {
      local.publish(event);
      if (pub.status !== 'ready') {
        dropped++;
        return;
      }
      const payload = JSON.stringify({ origin, event, sentAt: preciseNow() } satisfies Envelope);
      const sent = sharded ? pub.spublish(channel, payload) : pub.publish(channel, payload);
      sent.catch((error: unknown) => {
        dropped++;
        logger.warn({ err: error }, 'event not fanned out');
      });
    },
    subscribe: local.subscribe,
    announce(notice) {
      local.hear(notice);
      if (pub.status !== 'ready') return;
      const payload = JSON.stringify({ origin, notice } satisfies Envelope);
      const sent = sharded ? pub.spublish(channel, payload) : pub.publish(channel, payload);
      sent.catch((error: unknown) => logger.warn({ err: error }, 'notice not fanned out'));
    },
    onNotice: local.onNotice,
    dropped: () => dropped,
    async close() {
      sub.off(sharded ? 'smessage' : 'message', onMessage);
      await local.close();
    },
  };
}
