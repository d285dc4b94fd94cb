import type { Message } from '../../../shared/chat.js';
import { AppError } from '../../errors.js';
import { chatMessagesRepository } from '../../repositories/chatMessages.js';
import { chatSessionsRepository } from '../../repositories/chatSessions.js';
import { customersRepository } from '../../repositories/customers.js';
import { mailOutboxRepository } from '../../repositories/mailOutbox.js';
import { ticketEventsRepository } from '../../repositories/ticketEvents.js';
import { ticketsRepository } from '../../repositories/tickets.js';
import { toMessage } from '../chat/messageView.js';
import type { ServiceContext } from '../context.js';

/**
 * `clients.export` (PROTOCOL §9, LGPD Art. 18 II/V): every record held about a customer, as
 * JSON: the customer, its tickets with their audit trail, its chat sessions (what it typed,
 * its ratings) with every message, and the e-mails sent to it. Never agents' notes (they are
 * not the customer's to read), nor secrets (token hashes).
 */
export async function exportCustomer(id: string, ctx: Pick<ServiceContext, 'db'>) {
  const customer = await customersRepository.findById(ctx.db, id);
  if (!customer) throw new AppError('NOT_FOUND', 'No such customer');
  const [tickets, sessions, emails] = await Promise.all([
    ticketsRepository.listOfClient(ctx.db, id),
    chatSessionsRepository.listRowsOfClient(ctx.db, id),
    mailOutboxRepository.listOfClient(ctx.db, id),
  ]);
  const eventsByTicket = await Promise.all(tickets.map((ticket) => ticketEventsRepository.listForTicket(ctx.db, ticket.id)));
  const messagesBySession = await Promise.all(sessions.map((session) => chatMessagesRepository.listAfter(ctx.db, session.id)));
  return {
    exportedAt: new Date().toISOString(),
    client: {
      id: customer.id,
      name: customer.name,
      email: customer.email,
      phone: customer.phone,
      totalTickets: customer.totalTickets,
      createdAt: customer.createdAt.toISOString(),
      erasedAt: customer.erasedAt?.toISOString() ?? null,
    },
    tickets: tickets.map((ticket, i) => ({
      id: ticket.id,
      number: ticket.number,
      subject: ticket.subject,
      description: ticket.description,
      status: ticket.status,
      priority: ticket.priority,
      source: ticket.source,
      category: ticket.category,
      createdAt: ticket.createdAt.toISOString(),
      updatedAt: ticket.updatedAt.toISOString(),
      resolvedAt: ticket.resolvedAt?.toISOString() ?? null,
      closedAt: ticket.closedAt?.toISOString() ?? null,
      events: eventsByTicket[i]!
        .filter((event) => event.type !== 'note.created')
        .map((event) => ({ type: event.type, actorType: event.actorType, data: event.data, at: event.createdAt.toISOString() })),
    })),
    chatSessions: sessions.map((session, i) => ({
      id: session.id,
      ticketId: session.ticketId,
      name: session.userName,
      email: session.userEmail,
      phone: session.userPhone,
      locale: session.locale,
      status: session.status,
      offline: session.offline,
      startedAt: session.startedAt.toISOString(),
      endedAt: session.endedAt?.toISOString() ?? null,
      rating: session.ratedAt ? { score: session.ratingScore, comment: session.ratingComment, at: session.ratedAt.toISOString() } : null,
      messages: messagesBySession[i]!.map(toMessage) satisfies Message[],
    })),
    emails: emails.map((mail) => ({
      kind: mail.kind,
      to: mail.toAddress,
      subject: mail.subject,
      text: mail.textBody,
      status: mail.status,
      createdAt: mail.createdAt.toISOString(),
      sentAt: mail.sentAt?.toISOString() ?? null,
    })),
  };
}

export type CustomerExport = Awaited<ReturnType<typeof exportCustomer>>;
