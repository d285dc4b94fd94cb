/** Ticket vocabulary shared by the server, the console and agent tooling (PROTOCOL §4). */
export const TICKET_STATUSES = ['OPEN', 'PENDING', 'RESOLVED', 'CLOSED'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const TICKET_PRIORITIES = ['LOW', 'NORMAL', 'HIGH', 'URGENT'] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];

export const TICKET_SOURCES = ['chat', 'email', 'phone', 'web', 'api'] as const;
export type TicketSource = (typeof TICKET_SOURCES)[number];

export const CHAT_CATEGORY = 'Chat Support';

export const DOMAIN_EVENT_TYPES = [
  'ticket.created',
  'ticket.updated',
  'message.created',
  'chat.closed',
  'chat.escalated',
  'chat.typing',
] as const;
export type DomainEventType = (typeof DOMAIN_EVENT_TYPES)[number];

/** What `tickets.onEvent` streams: `{ type, ticketId, ticketNumber, at, … }`. */
export interface DomainEvent {
  type: DomainEventType;
  ticketId: string;
  ticketNumber: number;
  at: string;
  [key: string]: unknown;
}
