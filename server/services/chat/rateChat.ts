import type { ChatRateInput } from '../../../shared/chatActions.js';
import { AppError } from '../../errors.js';
import { chatSessionsRepository } from '../../repositories/chatSessions.js';
import type { ServiceContext } from '../context.js';
import { inTicketTransaction, ticketFact } from '../ticketFacts.js';
import type { ChatRef } from './chatRef.js';

/**
 * The visitor's satisfaction rating of a chat session (PROTOCOL §9): stored once, audited, and
 * announced to agents as `ticket.rated`. A second rating of the same session is CONFLICT.
 */
export async function rateChat(chat: ChatRef, input: ChatRateInput, ctx: ServiceContext): Promise<{ rated: true }> {
  await inTicketTransaction(ctx, async (tx, facts) => {
    const rated = await chatSessionsRepository.rate(tx, chat.sessionId, input.score, input.comment ?? null);
    if (!rated) throw new AppError('CONFLICT', 'This chat was already rated');
    await facts.record(
      ticketFact.rated(
        {
          type: 'ticket.rated',
          ticketId: chat.ticketId,
          ticketNumber: chat.ticketNumber,
          at: rated.ratedAt.toISOString(),
          sessionId: chat.sessionId,
          score: input.score,
          ...(input.comment ? { comment: input.comment } : {}),
        },
        chat.clientId,
      ),
    );
  });
  return { rated: true };
}
