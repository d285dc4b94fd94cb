import type { ChatStatus } from '../../../shared/chat.js';
import { chatSessionsRepository } from '../../repositories/chatSessions.js';
import { AppError } from '../../errors.js';
import type { ServiceContext } from '../context.js';
import { parseResumeToken, secretMatches } from '../resumeTokens.js';
import type { ChatRef } from './chatRef.js';

/**
 * Opens the session a resume token belongs to, and no other; anything else is UNAUTHORIZED,
 * as is a token whose chat ended more than RESUME_TOKEN_TTL_HOURS ago (an open chat's never expires).
 */
export async function authenticateChat(
  resumeToken: string,
  ctx: ServiceContext,
): Promise<{ chat: ChatRef; status: ChatStatus }> {
  const parsed = parseResumeToken(resumeToken);
  const session = parsed ? await chatSessionsRepository.findWithTicketNumber(ctx.db, parsed.sessionId) : undefined;
  if (!parsed || !session || !secretMatches(parsed.secret, session.resumeTokenHash)) {
    throw new AppError('UNAUTHORIZED', 'Invalid resume token');
  }
  if (session.endedAt && Date.now() - session.endedAt.getTime() > ctx.policy.resumeTokenTtlMs) {
    throw new AppError('UNAUTHORIZED', 'This resume token has expired');
  }
  return {
    status: session.status,
    chat: {
      sessionId: session.id,
      ticketId: session.ticketId,
      ticketNumber: session.ticketNumber,
      clientId: session.clientId,
      customerName: session.userName,
    },
  };
}
