import { z } from 'zod';
import type { DomainEvent, DomainEventType, EventOf } from './events.js';

/** Webhooks (PROTOCOL §5): what a receiver gets and what `webhooks.deliveries` answers (§4). */

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/** Headers of every webhook POST. */
export const WEBHOOK_HEADERS = {
  signature: 'X-Atende-Signature',
  event: 'X-Atende-Event',
  delivery: 'X-Atende-Delivery',
} as const;

/**
 * The JSON body POSTed to a webhook. `id` is the delivery id (also `X-Atende-Delivery`): the
 * same on every retry of that delivery, so a receiver can ignore one it has already handled.
 * `data` is the domain event exactly as `tickets.onEvent` streams it.
 */
export type WebhookPayload<E extends DomainEvent = DomainEvent> = E extends DomainEvent
  ? { id: string; type: E['type']; ticketId: string; ticketNumber: number; at: string; data: E }
  : never;

/** The payload of one event type: `WebhookPayloadOf<'chat.escalated'>`. */
export type WebhookPayloadOf<T extends DomainEventType> = WebhookPayload<EventOf<T>>;

/** One row of the delivery log. */
export interface WebhookDelivery {
  id: string;
  /** The receiver's URL without credentials, query or fragment (they may hold secrets). */
  webhookUrl: string;
  eventType: DomainEventType;
  ticketId: string;
  ticketNumber: number;
  status: WebhookDeliveryStatus;
  attempts: number;
  /** HTTP status of the last answer; null when none came (network error, timeout). */
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
}

export const WEBHOOK_DELIVERIES_LIMIT_MAX = 100;
export const WEBHOOK_DELIVERIES_LIMIT_DEFAULT = 25;

export const webhookDeliveriesInput = z
  .object({
    ticketId: z.uuid().optional(),
    status: z.enum(WEBHOOK_DELIVERY_STATUSES).optional(),
    /** The `nextCursor` of the previous page, as given. */
    cursor: z.string().max(200).nullish(),
    limit: z.number().int().min(1).max(WEBHOOK_DELIVERIES_LIMIT_MAX).default(WEBHOOK_DELIVERIES_LIMIT_DEFAULT),
  })
  // No input at all is the first page of everything.
  .prefault({});
export type WebhookDeliveriesInput = z.output<typeof webhookDeliveriesInput>;

export interface WebhookDeliveryPage {
  items: WebhookDelivery[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}
