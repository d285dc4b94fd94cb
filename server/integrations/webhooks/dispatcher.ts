import type { EventBus } from '../../events/bus.js';
import type { Database } from '../../db/client.js';
import type { Logger } from '../../logger.js';
import type { WebhookDeliveryState } from '../../repositories/webhookDeliveries.js';
import type { Automations } from '../../automations/automationsConfig.js';
import { createWebhookLog } from './deliveryLog.js';
import { createWebhookTarget } from './webhookTarget.js';

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
  const logger = deps.logger.child({ component: 'webhooks' });
  const log = createWebhookLog(deps.db, logger);
  const stopController = new AbortController();
  const targets = deps.automations.webhooks.map((config) =>
    createWebhookTarget(config, { maxQueue, concurrency }, { retry: deps.automations.webhookRetry, log, logger, stopSignal: stopController.signal }),
  );
  let accepting = true;
  const settled = () => Promise.all(targets.map((target) => target.settled()));

  const unsubscribe =
    targets.length === 0
      ? () => {}
      : deps.bus.subscribe((event, meta) => {
          // Remote events are delivered by the node they happened on.
          if (!meta.local || !accepting) return;
          for (const target of targets) if (target.wants(event.type)) target.enqueue(event);
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
      for (const target of targets) target.abandonQueued('not sent: the node stopped');
      await settled();
      // Bounded: with the database unreachable the log must not hold the node's shutdown.
      await within(LOG_FLUSH_ON_STOP_MS, log.flush());
    },
  };
}

/** Waits for the promise, or `ms` at most. */
async function within(ms: number, promise: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
