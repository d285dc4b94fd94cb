import type { DomainEvent, DomainEventType } from '../../../shared/tickets.js';
import type { Logger } from '../../logger.js';
import type { Automations, WebhookConfig } from '../../automations/automationsConfig.js';
import { newDelivery, urlForLog, type Delivery } from './delivery.js';
import type { WebhookLog } from './deliveryLog.js';
import { postWebhookOnce, retryDelayMs, waitOrAbort } from './request.js';

export interface TargetLimits {
  /** Deliveries waiting, beyond those being sent; past it the oldest waiting one is dropped. */
  maxQueue: number;
  /** Deliveries being sent (or waiting for their next attempt) at once. */
  concurrency: number;
}

export interface TargetDeps {
  retry: Automations['webhookRetry'];
  log: WebhookLog;
  logger: Logger;
  /** Aborted when the node stops: attempts in flight end, no new one starts. */
  stopSignal: AbortSignal;
}

/** One configured webhook: its bounded queue, a few deliveries at a time, each retried with backoff. */
export interface WebhookTarget {
  wants(type: DomainEventType): boolean;
  enqueue(event: DomainEvent): void;
  /** Marks every delivery still waiting as failed with `reason`. */
  abandonQueued(reason: string): void;
  /** Resolves when no delivery of this webhook is being sent. */
  settled(): Promise<void>;
}

export function createWebhookTarget(config: WebhookConfig, limits: TargetLimits, deps: TargetDeps): WebhookTarget {
  const { retry, log, logger, stopSignal } = deps;
  const logUrl = urlForLog(config.url);
  const events = new Set<DomainEventType>(config.events);
  const queue: Delivery[] = [];
  const running = new Set<Promise<void>>();

  function settle(delivery: Delivery, status: 'delivered' | 'failed', error: string | null) {
    delivery.state.status = status;
    delivery.state.lastError = error;
    if (status === 'delivered') delivery.state.deliveredAt = new Date();
    update(delivery);
  }

  function update(delivery: Delivery) {
    delivery.state.updatedAt = new Date();
    log.record(delivery.state);
  }

  function pump() {
    while (running.size < limits.concurrency && queue.length > 0) {
      const delivery = queue.shift()!;
      const task: Promise<void> = deliver(delivery)
        .catch((error: unknown) => {
          logger.error({ err: error, deliveryId: delivery.state.id }, 'webhook delivery crashed');
          settle(delivery, 'failed', 'internal error while delivering');
        })
        .finally(() => {
          running.delete(task);
          pump();
        });
      running.add(task);
    }
  }

  async function deliver(delivery: Delivery) {
    for (let attempt = 1; attempt <= retry.attempts && !stopSignal.aborted; attempt++) {
      const result = await postWebhookOnce(config.url, delivery.body, delivery.headers, {
        timeoutMs: retry.timeoutMs,
        signal: stopSignal,
      });
      Object.assign(delivery.state, { attempts: attempt, lastStatusCode: result.statusCode, lastError: result.error });
      if (result.ok) {
        settle(delivery, 'delivered', null);
        return;
      }
      logger.debug({ deliveryId: delivery.state.id, attempt, error: result.error }, 'webhook attempt failed');
      if (attempt < retry.attempts) {
        update(delivery);
        await waitOrAbort(retryDelayMs(attempt, retry.baseDelayMs), stopSignal);
      }
    }
    const lastError = delivery.state.lastError ?? 'not sent';
    if (stopSignal.aborted && delivery.state.attempts < retry.attempts && !lastError.startsWith('aborted')) {
      delivery.state.lastError = `${lastError}; the node stopped before the next attempt`;
    }
    logger.warn(
      { deliveryId: delivery.state.id, url: logUrl, eventType: delivery.state.eventType, attempts: delivery.state.attempts, error: delivery.state.lastError },
      'webhook delivery failed',
    );
    settle(delivery, 'failed', delivery.state.lastError);
  }

  return {
    wants: (type) => events.has(type),
    enqueue(event) {
      const delivery = newDelivery({ logUrl, secret: config.secret }, event);
      log.record(delivery.state);
      if (queue.length >= limits.maxQueue) {
        const dropped = queue.shift()!;
        logger.warn({ deliveryId: dropped.state.id, url: logUrl, maxQueue: limits.maxQueue }, 'webhook queue full: oldest delivery dropped');
        settle(dropped, 'failed', `dropped: more than ${limits.maxQueue} deliveries waiting for this webhook`);
      }
      queue.push(delivery);
      pump();
    },
    abandonQueued(reason) {
      for (const delivery of queue.splice(0)) settle(delivery, 'failed', reason);
    },
    async settled() {
      while (running.size > 0) await Promise.all(running);
    },
  };
}
