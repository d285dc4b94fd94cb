import type { Message } from '../../../shared/chat.js';
import { AppError } from '../../errors.js';
import { chatMessagesRepository } from '../../repositories/chatMessages.js';
import { chatSessionsRepository } from '../../repositories/chatSessions.js';
import type { ServiceContext } from '../context.js';
import { toMessage } from './messageView.js';

/** A chat's transcript for agents: messages after `afterSeq`, in seq order, at most `limit`. */
export async function listSessionMessages(
  input: { sessionId: string; afterSeq?: number; limit: number },
  ctx: ServiceContext,
): Promise<{ messages: Message[] }> {
  const session = await chatSessionsRepository.findById(ctx.db, input.sessionId);
  if (!session) throw new AppError('NOT_FOUND', 'No such chat session');
  const rows = await chatMessagesRepository.listAfter(ctx.db, session.id, input.afterSeq ?? 0, input.limit);
  return { messages: rows.map(toMessage) };
}
