import type { ChatSessionRow, TicketRow } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { chatSessionsRepository } from '../../repositories/chatSessions.js';
import { ticketsRepository } from '../../repositories/tickets.js';
import type { ChatRef } from '../chat/chatRef.js';
import type { ServiceContext } from '../context.js';

/** The chat an agent talks into on a ticket: its most recent session. */
export async function findTicketChat(
  ticketId: string,
  ctx: ServiceContext,
): Promise<{ ticket: TicketRow; session: ChatSessionRow; chat: ChatRef }> {
  const ticket = await ticketsRepository.findById(ctx.db, ticketId);
  if (!ticket) throw new AppError('NOT_FOUND', 'No such ticket');
  const session = await chatSessionsRepository.findLatestOfTicket(ctx.db, ticket.id);
  if (!session) {
    throw new AppError('NOT_FOUND', `Ticket #${ticket.number} has no chat: it came from ${ticket.source}`);
  }
  return {
    ticket,
    session,
    chat: {
      sessionId: session.id,
      ticketId: ticket.id,
      ticketNumber: ticket.number,
      clientId: session.clientId,
      customerName: session.userName,
    },
  };
}
