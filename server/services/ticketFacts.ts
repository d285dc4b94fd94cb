import type { ContactField } from '../../shared/agentApi.js';
import type {
  ChatAbandonedEvent,
  ClientErasedEvent,
  ChatClosedEvent,
  ChatEscalatedEvent,
  LoggedEvent,
  NoteCreatedEvent,
  TicketAssignedEvent,
  TicketCreatedEvent,
  TicketRatedEvent,
  TicketUpdatedEvent,
} from '../../shared/events.js';
import type { Transaction } from '../db/client.js';
import type { CustomerRow } from '../db/schema.js';
import { timeTransaction } from '../metrics.js';
import { ticketEventsRepository, type NewTicketEvent } from '../repositories/ticketEvents.js';
import type { ServiceContext } from './context.js';
import { logEvents, transactionLoggingLast } from './events/eventLog.js';

/**
 * One fact about a ticket: the audit rows it leaves in `ticket_events` and the event that
 * announces it. Built together by one of the `ticketFact` builders below, from one
 * description, so the trail and what agents and webhooks are told cannot disagree.
 */
export interface TicketFact {
  audit: NewTicketEvent[];
  event: LoggedEvent;
}

/** Why the system (not an agent) changed a ticket; kept in the audit row as `cause`. */
export type UpdateCause = 'chat.closed' | 'chat.escalated' | 'categories' | 'chat.continued';

type Ticket = { ticketId: string; ticketNumber: number; at: string };

/** The builders: each takes the event (and what only the trail keeps) and derives the audit rows. */
export const ticketFact = {
  /** A ticket opened by a chat's visitor (the customer is the actor) or by an agent (`actorId`). */
  created(event: TicketCreatedEvent): TicketFact {
    return { event, audit: [ticketCreatedAudit(event)] };
  },

  /**
   * A ticket's fields changed: by the agent in `actorId`, else by the system for `cause`.
   * `rowPerField`: one audit row per changed field (how agents' edits are kept).
   */
  updated(event: TicketUpdatedEvent, options: { cause?: UpdateCause; rowPerField?: boolean } = {}): TicketFact {
    const actor = event.actorId ? { actorType: 'agent' as const, actorId: event.actorId } : { actorType: 'system' as const };
    const cause = options.cause ? { cause: options.cause } : {};
    const parts = options.rowPerField ? Object.entries(event.changes).map(([field, change]) => ({ [field]: change })) : [event.changes];
    return {
      event,
      audit: parts.map((changes) => ({ ticketId: event.ticketId, ...actor, type: 'ticket.updated', data: { changes, ...cause } })),
    };
  },

  /** The ticket's assignee changed: by the agent in `actorId`, else by the system (routing). */
  assigned(event: TicketAssignedEvent): TicketFact {
    const { assigneeId, previousAssigneeId } = event;
    const actor = event.actorId ? { actorType: 'agent' as const, actorId: event.actorId } : { actorType: 'system' as const };
    return { event, audit: [{ ticketId: event.ticketId, ...actor, type: 'ticket.assigned', data: { assigneeId, previousAssigneeId } }] };
  },

  /** A chat ended; `note` is the free text its closer gave, kept in the trail only. */
  chatClosed(event: ChatClosedEvent, closer: ChatCloser & { note?: string }): TicketFact {
    const { sessionId, reason } = event;
    return chatEndFact(event, closer, { sessionId, reason, ...(closer.note ? { note: closer.note } : {}) });
  },

  /** A chat the visitor left (or that timed out) with no agent reply; its closer is the actor. */
  chatAbandoned(event: ChatAbandonedEvent, closer: ChatCloser): TicketFact {
    const { sessionId, reason, escalated } = event;
    return chatEndFact(event, closer, { sessionId, reason, escalated });
  },

  /** The assistant handed the chat to people; the trail also keeps the message that led to it. */
  chatEscalated(event: ChatEscalatedEvent, messageId: string): TicketFact {
    const { sessionId, confidence, reason } = event;
    return {
      event,
      audit: [{ ticketId: event.ticketId, actorType: 'system', type: 'chat.escalated', data: { sessionId, confidence, reason, messageId } }],
    };
  },

  /** An agent accepted a contact suggestion: announced as the customer's field changing. */
  suggestionAccepted(
    ticket: Ticket,
    accepted: { agentId: string; sessionId: string; clientId: string; field: ContactField; value: string },
  ): TicketFact {
    const { agentId, sessionId, clientId, field, value } = accepted;
    return {
      event: { type: 'ticket.updated', ...ticket, changes: { [`client.${field}`]: { from: null, to: value } }, actorId: agentId },
      audit: [{
        ticketId: ticket.ticketId,
        actorType: 'agent',
        actorId: agentId,
        type: 'client.suggestion_accepted',
        data: { sessionId, clientId, field, value },
      }],
    };
  },

  /** The customer rated a chat session; the customer is the actor. */
  rated(event: TicketRatedEvent, clientId: string): TicketFact {
    const { sessionId, score, comment } = event;
    return {
      event,
      audit: [{ ticketId: event.ticketId, actorType: 'client', actorId: clientId, type: 'ticket.rated', data: { sessionId, score, ...(comment ? { comment } : {}) } }],
    };
  },

  /** An admin erased the ticket's customer (LGPD); the trail keeps who and when, nothing erased. */
  clientErased(event: ClientErasedEvent): TicketFact {
    return {
      event,
      audit: [{ ticketId: event.ticketId, actorType: 'agent', actorId: event.actorId, type: 'client.erased', data: { clientId: event.clientId } }],
    };
  },

  /** An agent wrote a private note; the trail names the note (its body stays in ticket_notes). */
  noteCreated(event: NoteCreatedEvent): TicketFact {
    const { note } = event;
    return {
      event,
      audit: [{ ticketId: event.ticketId, actorType: 'agent', actorId: note.agentId, type: 'note.created', data: { noteId: note.id } }],
    };
  },

  /** A ticket moved to the customer its own was merged into: announced as its clientId changing. */
  clientsMerged(
    ticket: Ticket,
    merge: { agentId: string; source: Pick<CustomerRow, 'id' | 'name' | 'email' | 'phone'>; targetId: string; ticketsMoved: number; chatSessionsMoved: number },
  ): TicketFact {
    const { agentId, source, targetId } = merge;
    return {
      event: { type: 'ticket.updated', ...ticket, changes: { clientId: { from: source.id, to: targetId } }, actorId: agentId },
      audit: [{
        ticketId: ticket.ticketId,
        actorType: 'agent',
        actorId: agentId,
        type: 'clients.merged',
        data: {
          sourceId: source.id,
          targetId,
          source: { name: source.name, email: source.email, phone: source.phone },
          ticketsMoved: merge.ticketsMoved,
          chatSessionsMoved: merge.chatSessionsMoved,
        },
      }],
    };
  },
};

/**
 * The `ticket.created` audit row. Needs neither the ticket's number nor its time, so the chat
 * intake can write it in the statement that opens the ticket, before either is known.
 */
export function ticketCreatedAudit(event: Omit<TicketCreatedEvent, 'ticketNumber' | 'at'>): NewTicketEvent {
  const { source, returningClient, matchedBy, sessionId, verified, offline } = event;
  return {
    ticketId: event.ticketId,
    ...(event.actorId ? { actorType: 'agent', actorId: event.actorId } : { actorType: 'client', actorId: event.clientId }),
    type: 'ticket.created',
    data: {
      source,
      ...(sessionId ? { sessionId } : {}),
      returningClient,
      matchedBy,
      ...(verified !== undefined ? { verified } : {}),
      ...(offline ? { offline } : {}),
    },
  };
}

/** The facts of one transaction. */
export interface TicketFacts {
  /** Writes the facts' audit rows in this transaction; their events go out once it commits. */
  record(facts: TicketFact | TicketFact[]): Promise<void>;
  /** A fact whose audit rows this transaction wrote itself (in the statement of the rows they audit). */
  recorded(fact: TicketFact): void;
}

/**
 * A service's transaction that records ticket facts: each fact's audit rows are written in it,
 * and its events are published, in the order recorded, only after it commits (never when it
 * rolls back). Its last statement logs the events, which gives each its eventId in commit
 * order (services/events/eventLog.ts): the one way an audited fact reaches the bus.
 * `timed` names the transaction in the node's metrics.
 */
export async function inTicketTransaction<T>(
  ctx: Pick<ServiceContext, 'db' | 'bus' | 'metrics'>,
  work: (tx: Transaction, facts: TicketFacts) => Promise<T>,
  options: { timed?: string } = {},
): Promise<T> {
  let events: LoggedEvent[] = [];
  const run = () =>
    transactionLoggingLast(ctx.db, async (tx) => {
      events = []; // a transaction run again starts with no facts
      const result = await work(tx, {
        async record(facts) {
          const list = Array.isArray(facts) ? facts : [facts];
          await ticketEventsRepository.append(tx, list.flatMap((fact) => fact.audit));
          events.push(...list.map((fact) => fact.event));
        },
        recorded(fact) {
          events.push(fact.event);
        },
      });
      // Last: it holds the event log's position lock until commit (repositories/domainEvents.ts).
      return { result, log: logEvents(tx, events) };
    });
  const { result, logged } = options.timed ? await timeTransaction(ctx.metrics, options.timed, run) : await run();
  for (const event of logged) ctx.bus.publish(event);
  return result;
}

type ChatCloser = { actorType: 'client' | 'agent' | 'system'; actorId?: string };

/** The end of a chat as a fact: its event and one audit row of the same type, by whoever ended it. */
function chatEndFact(event: ChatClosedEvent | ChatAbandonedEvent, closer: ChatCloser, data: Record<string, unknown>): TicketFact {
  return {
    event,
    audit: [{ ticketId: event.ticketId, actorType: closer.actorType, actorId: closer.actorId ?? null, type: event.type, data }],
  };
}
