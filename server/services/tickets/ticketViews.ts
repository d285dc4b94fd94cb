import type { ChatSessionSummary, Ticket, TicketEvent, TicketSummary } from '../../../shared/agentApi.js';
import type { TicketEventRow } from '../../db/schema.js';
import type { SessionWithCount } from '../../repositories/chatSessions.js';
import type { TicketWithClient } from '../../repositories/tickets.js';

const iso = (date: Date | null) => date?.toISOString() ?? null;

/** The list shape of a ticket (PROTOCOL §4 "TicketSummary"). */
export function toTicketSummary(row: TicketWithClient): TicketSummary {
  return {
    id: row.id,
    number: row.number,
    subject: row.subject,
    status: row.status,
    priority: row.priority,
    source: row.source,
    category: row.category,
    escalated: row.escalated,
    client: { id: row.client.id, name: row.client.name, email: row.client.email, phone: row.client.phone },
    assigneeId: row.assigneeId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Everything on the ticket's row. */
export function toTicket(row: TicketWithClient): Ticket {
  return {
    ...toTicketSummary(row),
    description: row.description,
    escalatedAt: iso(row.escalatedAt),
    firstResponseAt: iso(row.firstResponseAt),
    resolvedAt: iso(row.resolvedAt),
    closedAt: iso(row.closedAt),
  };
}

/** A chat session as tickets.get and clients.history list it. */
export function toSessionSummary(row: SessionWithCount): ChatSessionSummary {
  return {
    id: row.id,
    ticketId: row.ticketId,
    status: row.status,
    startedAt: row.startedAt.toISOString(),
    endedAt: iso(row.endedAt),
    messageCount: Number(row.messageCount),
    verified: row.verified,
    matchedBy: row.matchedBy,
    typed: { name: row.userName, email: row.userEmail, phone: row.userPhone },
    unanswered: row.unanswered,
  };
}

/** One audit-trail row on the wire. */
export function toTicketEvent(row: TicketEventRow): TicketEvent {
  return {
    id: row.id,
    type: row.type,
    actorType: row.actorType,
    actorId: row.actorId,
    data: row.data,
    createdAt: row.createdAt.toISOString(),
  };
}
