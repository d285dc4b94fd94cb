import type { Database } from '../../db/client.js';
import type { Logger } from '../../logger.js';
import { webhookDeliveriesRepository, type WebhookDeliveryState } from '../../repositories/webhookDeliveries.js';

const BATCH_MAX = 100;

export interface WebhookLog {
  /** Records the delivery's current state; never waits and never throws. */
  record(state: WebhookDeliveryState): void;
  /** Called with each state once it is committed (tests and metrics wait on it). */
  onWritten(listener: (state: WebhookDeliveryState) => void): () => void;
  /** Resolves when every state recorded so far has been written (or its write has failed). */
  flush(): Promise<void>;
}

/**
 * The delivery log writer. Deliveries never wait for it: states are coalesced per delivery
 * (only the latest matters, since each carries the whole row) and written by one writer in
 * batched upserts, so a burst of webhooks holds at most one database connection and a
 * database outage costs log rows, logged, never a delivery.
 */
export function createWebhookLog(db: Database, logger: Logger): WebhookLog {
  const dirty = new Map<string, WebhookDeliveryState>();
  const listeners = new Set<(state: WebhookDeliveryState) => void>();
  let writing: Promise<void> | undefined;

  async function drain() {
    while (dirty.size > 0) {
      const batch: WebhookDeliveryState[] = [];
      for (const [id, state] of dirty) {
        batch.push(state);
        dirty.delete(id);
        if (batch.length === BATCH_MAX) break;
      }
      try {
        await webhookDeliveriesRepository.save(db, batch);
      } catch (error) {
        // The delivery goes on; a later state of the same delivery rewrites its whole row.
        logger.error({ err: error, deliveryIds: batch.map((state) => state.id) }, 'webhook delivery log not written');
        continue;
      }
      for (const state of batch) {
        for (const listener of listeners) {
          try {
            listener(state);
          } catch (error) {
            logger.error({ err: error }, 'webhook log listener failed');
          }
        }
      }
    }
  }

  function startWriter() {
    writing ??= drain().finally(() => {
      writing = undefined;
      // A state recorded while the last batch was being written.
      if (dirty.size > 0) startWriter();
    });
  }

  return {
    record(state) {
      dirty.set(state.id, { ...state });
      startWriter();
    },
    onWritten(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async flush() {
      while (writing) await writing;
    },
  };
}
