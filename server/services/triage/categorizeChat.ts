import { CHAT_CATEGORY } from '../../../shared/tickets.js';
import { ticketsRepository } from '../../repositories/tickets.js';
import type { ChatRef } from '../chat/chatRef.js';
import type { ServiceContext } from '../context.js';
import { inTicketTransaction, ticketFact } from '../ticketFacts.js';

/** Replaces the default `Chat Support` category once; a category set by anyone else is kept. */
export async function categorizeChat(
  chat: Pick<ChatRef, 'ticketId' | 'ticketNumber'>,
  category: string,
  ctx: ServiceContext,
): Promise<boolean> {
  return inTicketTransaction(ctx, async (tx, facts) => {
    const updatedAt = await ticketsRepository.replaceCategory(tx, chat.ticketId, CHAT_CATEGORY, category);
    if (!updatedAt) return false;
    const changes = { category: { from: CHAT_CATEGORY, to: category } };
    await facts.record(
      ticketFact.updated(
        { type: 'ticket.updated', ticketId: chat.ticketId, ticketNumber: chat.ticketNumber, at: updatedAt.toISOString(), changes },
        { cause: 'categories' },
      ),
    );
    return true;
  });
}
