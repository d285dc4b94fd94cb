import { randomUUID } from 'node:crypto';
import type { DomainEvent } from '../../../shared/tickets.js';
import { WEBHOOK_HEADERS, type WebhookPayload } from '../../../shared/webhooks.js';
import type { WebhookDeliveryState } from '../../repositories/webhookDeliveries.js';
import { signWebhookBody } from './signature.js';

/** One event on its way to one webhook: the signed bytes and the state the log keeps. */
export interface Delivery {
  state: WebhookDeliveryState;
  body: string;
  headers: Record<string, string>;
}

/** A new delivery of `event`, signed once: every attempt sends these exact bytes. */
export function newDelivery(webhook: { logUrl: string; secret: string }, event: DomainEvent): Delivery {
  const id = randomUUID();
  const payload = webhookPayload(id, event);
  const body = JSON.stringify(payload);
  const now = new Date();
  return {
    body,
    headers: {
      'Content-Type': 'application/json',
      'User-Agent': 'Atende-Webhooks/1',
      [WEBHOOK_HEADERS.signature]: signWebhookBody(body, webhook.secret),
      [WEBHOOK_HEADERS.event]: event.type,
      [WEBHOOK_HEADERS.delivery]: id,
    },
    state: {
      id,
      webhookUrl: webhook.logUrl,
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
export function urlForLog(raw: string): string {
  const url = new URL(raw);
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  return url.toString();
}

/** The body of a delivery: the event's type, ticket and time, and the event itself as `data`. */
function webhookPayload<E extends DomainEvent>(id: string, event: E): WebhookPayload<E> {
  const { type, ticketId, ticketNumber, at } = event;
  return { id, type, ticketId, ticketNumber, at, data: event } as WebhookPayload<E>;
}
