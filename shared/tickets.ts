/** Ticket vocabulary shared by the server, the console and agent tooling (PROTOCOL §4). */
export const TICKET_STATUSES = ['OPEN', 'PENDING', 'RESOLVED', 'CLOSED'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const TICKET_PRIORITIES = ['LOW', 'NORMAL', 'HIGH', 'URGENT'] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];

export const TICKET_SOURCES = ['chat', 'email', 'phone', 'web', 'api'] as const;
export type TicketSource = (typeof TICKET_SOURCES)[number];

export const CHAT_CATEGORY = 'Chat Support';

// The domain events' vocabulary lives in shared/events.ts; re-exported for existing importers.
export { DOMAIN_EVENT_TYPES, type DomainEvent, type DomainEventType } from './events.js';
