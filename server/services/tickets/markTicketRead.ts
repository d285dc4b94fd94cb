import type { TicketMarkReadInput } from '../../../shared/agentSchemas.js';
import type { AgentRow } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { chatSessionsRepository } from '../../repositories/chatSessions.js';
import { ticketReadsRepository } from '../../repositories/ticketReads.js';
import { ticketsRepository } from '../../repositories/tickets.js';
import type { ServiceContext } from '../context.js';

/**
 * `tickets.markRead`: `agent` has read the ticket's chat up to message `seq` of its latest
 * session (or of `sessionId`), and everything before. Its mark never moves back: marking an
 * older seq again leaves it where it is. Answers what the agent still has not read.
 */
export async function markTicketRead(input: TicketMarkReadInput, agent: AgentRow, ctx: ServiceContext): Promise<{ unreadCount: number }> {
  const ticket = await ticketsRepository.findById(ctx.db, input.id);
  if (!ticket) throw new AppError('NOT_FOUND', 'No such ticket');
  const session = input.sessionId
    ? await chatSessionsRepository.findById(ctx.db, input.sessionId)
    : await chatSessionsRepository.findLatestOfTicket(ctx.db, ticket.id);
  if (input.sessionId && session?.ticketId !== ticket.id) {
    throw new AppError('NOT_FOUND', `No such chat session on ticket #${ticket.number}`);
  }
  if (!session) throw new AppError('NOT_FOUND', `Ticket #${ticket.number} has no chat: it came from ${ticket.source}`);
  const unreadCount = await ticketReadsRepository.advance(ctx.db, { agentId: agent.id, ticketId: ticket.id, sessionId: session.id, seq: input.seq });
  return { unreadCount };
}
