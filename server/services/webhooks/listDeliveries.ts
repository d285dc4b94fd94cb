import type { DomainEventType } from '../../../shared/tickets.js';
import type { WebhookDeliveriesInput, WebhookDelivery, WebhookDeliveryPage } from '../../../shared/webhooks.js';
import type { WebhookDeliveryRow } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { webhookDeliveriesRepository } from '../../repositories/webhookDeliveries.js';
import type { ServiceContext } from '../context.js';

/** One page of the webhook delivery log, newest first; `nextCursor` continues strictly below the last row shown. */
export async function listDeliveries(input: WebhookDeliveriesInput, ctx: ServiceContext): Promise<WebhookDeliveryPage> {
  const rows = await webhookDeliveriesRepository.list(ctx.db, {
    ticketId: input.ticketId,
    status: input.status,
    before: input.cursor ? decodeDeliveryCursor(input.cursor) : undefined,
    // One more than asked tells whether another page exists without counting.
    limit: input.limit + 1,
  });
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toWebhookDelivery),
    nextCursor: rows.length > input.limit && last ? encodeDeliveryCursor(last) : null,
  };
}

export function toWebhookDelivery(row: WebhookDeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    webhookUrl: row.webhookUrl,
    eventType: row.eventType as DomainEventType,
    ticketId: row.ticketId,
    ticketNumber: row.ticketNumber,
    status: row.status,
    attempts: row.attempts,
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
  };
}

/** Opaque to clients, so the keyset behind it can change without breaking them. */
function encodeDeliveryCursor(row: Pick<WebhookDeliveryRow, 'createdAt' | 'id'>): string {
  return Buffer.from(JSON.stringify({ v: 1, t: row.createdAt.toISOString(), id: row.id })).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function decodeDeliveryCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v?: unknown; t?: unknown; id?: unknown };
    const createdAt = typeof parsed.t === 'string' ? new Date(parsed.t) : undefined;
    if (parsed.v === 1 && createdAt && !Number.isNaN(createdAt.getTime()) && typeof parsed.id === 'string' && UUID.test(parsed.id)) {
      return { createdAt, id: parsed.id };
    }
  } catch {
    // falls through to the VALIDATION error below
  }
  throw new AppError('VALIDATION', 'Invalid cursor', { fields: { cursor: 'Pass back a nextCursor as given' } });
}
