import { and, desc, eq, sql } from 'drizzle-orm';
import type { WebhookDeliveryStatus } from '../../shared/webhooks.js';
import type { Executor } from '../db/client.js';
import { webhookDeliveries, type WebhookDeliveryRow } from '../db/schema.js';

/** The whole state of a delivery: every write carries all of it, so the last write is the truth. */
export type WebhookDeliveryState = WebhookDeliveryRow;

export interface WebhookDeliveryFilters {
  ticketId?: string;
  status?: WebhookDeliveryStatus;
  /** Only rows strictly older than this (created_at, id) pair: the keyset cursor. */
  before?: { createdAt: Date; id: string };
  limit: number;
}

/** SQL for the `webhook_deliveries` table: the outbound delivery log. */
export const webhookDeliveriesRepository = {
  /**
   * Inserts or overwrites delivery rows in one statement. Writing the full state each time makes
   * a lost or failed earlier write harmless once a later one succeeds; `created_at` is kept.
   */
  async save(ex: Executor, states: WebhookDeliveryState[]): Promise<void> {
    if (states.length === 0) return;
    await ex
      .insert(webhookDeliveries)
      .values(states)
      .onConflictDoUpdate({
        target: webhookDeliveries.id,
        set: {
          status: sql`excluded.status`,
          attempts: sql`excluded.attempts`,
          lastStatusCode: sql`excluded.last_status_code`,
          lastError: sql`excluded.last_error`,
          updatedAt: sql`excluded.updated_at`,
          deliveredAt: sql`excluded.delivered_at`,
        },
      });
  },

  /** Delivery rows newest first by (created_at, id); each filter has a matching index. */
  async list(ex: Executor, filters: WebhookDeliveryFilters): Promise<WebhookDeliveryRow[]> {
    const before = filters.before;
    return ex
      .select()
      .from(webhookDeliveries)
      .where(
        and(
          // webhook_deliveries_ticket_created_idx
          filters.ticketId ? eq(webhookDeliveries.ticketId, filters.ticketId) : undefined,
          // webhook_deliveries_status_created_idx
          filters.status ? eq(webhookDeliveries.status, filters.status) : undefined,
          // the cursor: the (created_at, id) tail of the filter's index, or webhook_deliveries_created_idx
          before
            ? sql`(${webhookDeliveries.createdAt}, ${webhookDeliveries.id}) < (${before.createdAt.toISOString()}::timestamptz, ${before.id}::uuid)`
            : undefined,
        ),
      )
      .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
      .limit(filters.limit);
  },
};
