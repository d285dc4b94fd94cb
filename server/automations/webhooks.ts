import { randomUUID } from 'node:crypto';
import type { DomainEvent, DomainEventType } from '../../shared/tickets.js';
import { WEBHOOK_HEADERS, type WebhookPayload } from '../../shared/webhooks.js';
import type { Database } from '../db/client.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import type { WebhookDeliveryState } from '../repositories/webhookDeliveries.js';
import type { Automations, WebhookConfig } from './automationsConfig.js';
import { createWebhookLog } from './webhookLog.js';
import { postWebhookOnce, retryDelayMs, waitOrAbort } from './webhookRequest.js';
import { signWebhookBody } from './webhookSignature.js';

export interface WebhookDispatcherOptions {
  /** Deliveries waiting per webhook, beyond those being sent; past it the oldest waiting one is dropped. */
  maxQueue?: number;
  /** Deliveries being sent (or waiting for their next attempt) at once per webhook. */
  concurrency?: number;
  /** How long `stop()` lets queued and in-flight deliveries finish before aborting them. */
  stopGraceMs?: number;
}

export interface WebhookDispatcher {
  /** Called with each delivery state once the log holds it. */
  onLogged(listener: (state: WebhookDeliveryState) => void): () => void;
  /** Resolves when nothing is queued or being sent and the log is written. */
  idle(): Promise<void>;
  /** Stops taking events, lets deliveries finish for a short grace, aborts the rest (logged failed). */
  stop(): Promise<void>;
}

export interface WebhookDispatcherDeps {
  automations: Pick<Automations, 'webhooks' | 'webhookRetry'>;
  bus: EventBus;
  db: Database;
  logger: Logger;
}

interface Delivery {
  state: WebhookDeliveryState;
  body: string;
  headers: Record<string, string>;
}

interface Target {
  config: WebhookConfig;
  /** The URL as logged: without credentials, query or fragment. */
  logUrl: string;
  events: ReadonlySet<DomainEventType>;
  queue: Delivery[];
  active: number;
}

// The grace is short so the node still exits within PROTOCOL §1's 10 s after SIGTERM.
const DEFAULTS: Required<WebhookDispatcherOptions> = { maxQueue: 1000, concurrency: 4, stopGraceMs: 1000 };
const LOG_FLUSH_ON_STOP_MS = 2000;

/**
 * Webhooks (PROTOCOL §5). Each event that happened on this node and that a webhook lists is
 * queued for it and POSTed signed, with retries; with Redis every node sees every event but
 * only the node where it happened delivers it, so the cluster POSTs it once. Nothing here is
 * awaited by the bus, so a slow or dead receiver never delays a chat: its deliveries wait in
 * a bounded queue, a few at a time.
 */
export function startWebhookDispatcher(deps: WebhookDispatcherDeps, options: WebhookDispatcherOptions = {}): WebhookDispatcher {
  const { maxQueue, concurrency, stopGraceMs } = { ...DEFAULTS, ...options };
  const { webhookRetry: retry } = deps.automations;
  const logger = deps.logger.child({ component: 'webhooks' });
  const log = createWebhookLog(deps.db, logger);
  const stopController = new AbortController();
  const running = new Set<Promise<void>>();
  const targets: Target[] = deps.automations.webhooks.map((config) => ({
    config,
    logUrl: urlForLog(config.url),
    events: new Set(config.events),
    queue: [],
    active: 0,
  }));
  let accepting = true;

  function enqueue(target: Target, event: DomainEvent) {
    const delivery = newDelivery(target, event);
    log.record(delivery.state);
    if (target.queue.length >= maxQueue) {
      const dropped = target.queue.shift()!;
      logger.warn({ deliveryId: dropped.state.id, url: target.logUrl, maxQueue }, 'webhook queue full: oldest delivery dropped');
      settle(dropped, 'failed', `dropped: more than ${maxQueue} deliveries waiting for this webhook`);
    }
    target.queue.push(delivery);
    pump(target);
  }

  function pump(target: Target) {
    while (target.active < concurrency && target.queue.length > 0) {
      const delivery = target.queue.shift()!;
      target.active++;
      const task: Promise<void> = deliver(target, delivery)
        .catch((error: unknown) => {
          logger.error({ err: error, deliveryId: delivery.state.id }, 'webhook delivery crashed');
          settle(delivery, 'failed', 'internal error while delivering');
        })
        .finally(() => {
          running.delete(task);
          target.active--;
          pump(target);
        });
      running.add(task);
    }
  }

  async function deliver(target: Target, delivery: Delivery) {
    const signal = stopController.signal;
    for (let attempt = 1; attempt <= retry.attempts && !signal.aborted; attempt++) {
      const result = await postWebhookOnce(target.config.url, delivery.body, delivery.headers, {
        timeoutMs: retry.timeoutMs,
        signal,
      });
      Object.assign(delivery.state, { attempts: attempt, lastStatusCode: result.statusCode, lastError: result.error });
      if (result.ok) {
        settle(delivery, 'delivered', null);
        return;
      }
      logger.debug({ deliveryId: delivery.state.id, attempt, error: result.error }, 'webhook attempt failed');
      if (attempt < retry.attempts) {
        update(delivery);
        await waitOrAbort(retryDelayMs(attempt, retry.baseDelayMs), signal);
      }
    }
    const lastError = delivery.state.lastError ?? 'not sent';
    if (signal.aborted && delivery.state.attempts < retry.attempts && !lastError.startsWith('aborted')) {
      delivery.state.lastError = `${lastError}; the node stopped before the next attempt`;
    }
    logger.warn(
      { deliveryId: delivery.state.id, url: target.logUrl, eventType: delivery.state.eventType, attempts: delivery.state.attempts, error: delivery.state.lastError },
      'webhook delivery failed',
    );
    settle(delivery, 'failed', delivery.state.lastError);
  }

  function update(delivery: Delivery) {
    delivery.state.updatedAt = new Date();
    log.record(delivery.state);
  }

  function settle(delivery: Delivery, status: 'delivered' | 'failed', error: string | null) {
    delivery.state.status = status;
    delivery.state.lastError = error;
    if (status === 'delivered') delivery.state.deliveredAt = new Date();
    update(delivery);
  }

  async function settled() {
    while (running.size > 0) await Promise.all(running);
  }

  const unsubscribe =
    targets.length === 0
      ? () => {}
      : deps.bus.subscribe((event, meta) => {
          // Remote events are delivered by the node they happened on.
          if (!meta.local || !accepting) return;
          for (const target of targets) if (target.events.has(event.type)) enqueue(target, event);
        });

  return {
    onLogged: log.onWritten,
    async idle() {
      await settled();
      await log.flush();
    },
    async stop() {
      accepting = false;
      unsubscribe();
      await within(stopGraceMs, settled());
      stopController.abort();
      for (const target of targets) {
        for (const delivery of target.queue.splice(0)) settle(delivery, 'failed', 'not sent: the node stopped');
      }
      await settled();
      // Bounded: with the database unreachable the log must not hold the node's shutdown.
      await within(LOG_FLUSH_ON_STOP_MS, log.flush());
    },
  };
}

function newDelivery(target: Target, event: DomainEvent): Delivery {
  const id = randomUUID();
  const payload: WebhookPayload = {
    id,
    type: event.type,
    ticketId: event.ticketId,
    ticketNumber: event.ticketNumber,
    at: event.at,
    data: event,
  };
  // Signed once: every attempt sends these exact bytes.
  const body = JSON.stringify(payload);
  const now = new Date();
  return {
    body,
    headers: {
      'Content-Type': 'application/json',
      'User-Agent': 'Atende-Webhooks/1',
      [WEBHOOK_HEADERS.signature]: signWebhookBody(body, target.config.secret),
      [WEBHOOK_HEADERS.event]: event.type,
      [WEBHOOK_HEADERS.delivery]: id,
    },
    state: {
      id,
      webhookUrl: target.logUrl,
      eventType: event.type,
      ticketId: event.ticketId,
      ticketNumber: event.ticketNumber,
      status: 'pending',
      attempts: 0,
      lastStatusCode: null,
      lastError: null,
      createdAt: now,
      updatedAt: now,
      deliveredAt: null,
    },
  };
}

/** Webhook URLs may carry credentials in the userinfo or the query; the log, which agents read, keeps neither. */
function urlForLog(raw: string): string {
  const url = new URL(raw);
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  return url.toString();
}

/** Waits for the promise, or `ms` at most. */
async function within(ms: number, promise: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
