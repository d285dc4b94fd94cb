import type { ChatMatchedBy, Note } from './agentApi.js';
import type { CloseReason, Message } from './chat.js';
import type { TicketPriority, TicketSource, TicketStatus } from './tickets.js';

/**
 * Domain events (PROTOCOL §4 `tickets.onEvent`, §5 webhooks): what agents stream and webhooks
 * receive, one payload type per event type. Published by services after commit.
 */
export const DOMAIN_EVENT_TYPES = [
  'ticket.created',
  'ticket.updated',
  'message.created',
  'chat.closed',
  'chat.escalated',
  'chat.typing',
  'note.created', // notes (PROTOCOL §8)
  'ticket.assigned',
  'chat.abandoned',
  'ticket.rated', // after the chat (PROTOCOL §9)
  'client.erased', // LGPD (PROTOCOL §9)
] as const;
export type DomainEventType = (typeof DOMAIN_EVENT_TYPES)[number];

/** What every event carries. */
interface EventBase {
  ticketId: string;
  ticketNumber: number;
  /** ISO time of the fact. */
  at: string;
}

export interface FieldChange<T> {
  from: T;
  to: T;
}

/** Each field of a ticket (or of its customer) that changed, with its value before and after. */
export interface TicketChanges {
  status?: FieldChange<TicketStatus>;
  priority?: FieldChange<TicketPriority>;
  category?: FieldChange<string | null>;
  escalated?: FieldChange<boolean>;
  /** `clients.merge`: the ticket moved to another customer. */
  clientId?: FieldChange<string>;
  /** `clients.acceptSuggestion`: a field the customer lacked, filled from what a visitor typed. */
  'client.name'?: FieldChange<string | null>;
  'client.email'?: FieldChange<string | null>;
  'client.phone'?: FieldChange<string | null>;
}

export type EscalationReason = 'low_confidence' | 'handoff_keyword';

export interface TicketCreatedEvent extends EventBase {
  type: 'ticket.created';
  source: TicketSource;
  clientId: string;
  subject: string;
  returningClient: boolean;
  matchedBy: ChatMatchedBy;
  /** Chat tickets: the session the chat runs in, and whether the host site vouched for the e-mail. */
  sessionId?: string;
  verified?: boolean;
  /** Tickets an agent opened (`tickets.create`). */
  actorId?: string;
  /** Opened by the offline form (PROTOCOL §9): no live chat; answer it with a (late, e-mailed) reply. */
  offline?: true;
}

export interface TicketUpdatedEvent extends EventBase {
  type: 'ticket.updated';
  changes: TicketChanges;
  /** The agent who changed it; absent for automations and the chat's end. */
  actorId?: string;
}

export interface MessageCreatedEvent extends EventBase {
  type: 'message.created';
  sessionId: string;
  message: Message;
}

export interface ChatClosedEvent extends EventBase {
  type: 'chat.closed';
  sessionId: string;
  reason: CloseReason;
}

/**
 * A chat ended, by the visitor or by timeout, before any agent replied in it (a bot answer does
 * not count): its ticket stays as it was (OPEN) for agents to follow up. Sent after `chat.closed`.
 */
export interface ChatAbandonedEvent extends EventBase {
  type: 'chat.abandoned';
  sessionId: string;
  reason: Exclude<CloseReason, 'agent'>;
  clientId: string;
  /** When the chat started (ISO): with `at`, how long the visitor stayed. */
  startedAt: string;
  /** Whether the assistant had handed the chat to people before the visitor left. */
  escalated: boolean;
}

export interface ChatEscalatedEvent extends EventBase {
  type: 'chat.escalated';
  sessionId: string;
  /** The assistant's confidence in its best answer, in [0, 1]. */
  confidence: number;
  reason: EscalationReason;
}

export type ChatTypingEvent = EventBase & {
  type: 'chat.typing';
  sessionId: string;
  isTyping: boolean;
} & ({ from: 'client' } | { from: 'agent'; agentId: string });

/** An agent wrote a private note: for agents' streams only, never the customer. */
export interface NoteCreatedEvent extends EventBase {
  type: 'note.created';
  note: Note;
}
/**
 * The ticket's assignee changed (`tickets.assign`, `tickets.update`'s `assigneeId`, routing):
 * the one fact of every assignment, with its audit row. `assigneeId` null: unassigned.
 */
export interface TicketAssignedEvent extends EventBase {
  type: 'ticket.assigned';
  assigneeId: string | null;
  previousAssigneeId: string | null;
  /** The agent who assigned it; absent when the system (routing) did. */
  actorId?: string;
}

/** The visitor rated a chat session (`chat:rate`, once per session). */
export interface TicketRatedEvent extends EventBase {
  type: 'ticket.rated';
  sessionId: string;
  /** 1–5 stars. */
  score: number;
  comment?: string;
}

/**
 * `clients.erase` (LGPD): the ticket's customer had its personal data replaced by a tombstone.
 * One per ticket of that customer; the ticket and its number stay.
 */
export interface ClientErasedEvent extends EventBase {
  type: 'client.erased';
  clientId: string;
  /** The admin who erased it. */
  actorId: string;
}

export type DomainEvent =
  | TicketCreatedEvent
  | TicketUpdatedEvent
  | MessageCreatedEvent
  | ChatClosedEvent
  | ChatEscalatedEvent
  | ChatTypingEvent
  | NoteCreatedEvent
  | TicketAssignedEvent
  | ChatAbandonedEvent
  | TicketRatedEvent
  | ClientErasedEvent;

/** The event of one type: `EventOf<'chat.closed'>`. */
export type EventOf<T extends DomainEventType> = Extract<DomainEvent, { type: T }>;

/** The events that are facts: kept in the event log, replayed after a Last-Event-ID (PROTOCOL §13). */
export type LoggedEvent = Exclude<DomainEvent, ChatTypingEvent>;

/**
 * An event as the bus carries it and agents receive it: a fact with its `eventId` — its
 * position in the cluster's commit order, a decimal string — or typing, which is live only.
 */
export type AgentEvent = (LoggedEvent & { eventId: string }) | ChatTypingEvent;

/**
 * What an agent's event stream says besides events (PROTOCOL §13): `stream.ready` first, with
 * the position it starts after; `stream.reset` instead when the Last-Event-ID given is older
 * than EVENT_REPLAY_HOURS (or unknown): what happened meanwhile must be re-read.
 */
export type StreamControlEvent = StreamMarker<'stream.ready'> | StreamMarker<'stream.reset'>;

interface StreamMarker<T extends string> {
  type: T;
  eventId: string;
  at: string;
}
