import type { ChatResumed, ChatTranscript } from '../../../shared/chat.js';
import { chatMessagesRepository } from '../../repositories/chatMessages.js';
import type { ServiceContext } from '../context.js';
import { authenticateChat } from './authenticateChat.js';
import type { ChatRef } from './chatRef.js';
import { toMessage } from './messageView.js';

/** Re-attaches a visitor to their session: everything after `lastSeq`; closed sessions read-only. */
export async function resumeChat(
  input: { resumeToken: string; lastSeq?: number },
  ctx: ServiceContext,
): Promise<{ resumed: ChatResumed; chat: ChatRef }> {
  const { chat, status } = await authenticateChat(input.resumeToken, ctx);
  const transcript = await readTranscript(chat, status, input.lastSeq ?? 0, ctx);
  return { chat, resumed: { ...transcript, ticketId: chat.ticketId } };
}

/**
 * The session's messages after `afterSeq`, in seq order. The status is read before the
 * messages: a session never takes a message after it closes, so nothing can be missed.
 */
export async function readTranscript(
  chat: ChatRef,
  status: ChatTranscript['status'],
  afterSeq: number,
  ctx: ServiceContext,
): Promise<ChatTranscript> {
  const rows = await chatMessagesRepository.listAfter(ctx.db, chat.sessionId, afterSeq);
  return {
    sessionId: chat.sessionId,
    ticketNumber: chat.ticketNumber,
    status,
    messages: rows.map(toMessage),
  };
}
