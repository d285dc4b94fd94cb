import type { Message } from '../../../shared/chat.js';
import type { ServiceContext } from '../context.js';
import type { MessageAuthor, MessageInput } from '../messages/messageEntry.js';
import type { ChatRef } from './chatRef.js';
import { toMessage } from './messageView.js';

/**
 * Stores a message with the session's next seq and returns it once committed; only then is
 * it emitted to the session's sockets and announced to agents. Idempotent by clientMsgId.
 * The node's message writer commits it (group commit, services/messages).
 */
export async function postMessage(
  chat: ChatRef,
  author: MessageAuthor,
  input: MessageInput,
  ctx: ServiceContext,
): Promise<{ message: Message; created: boolean }> {
  const { row, created } = await ctx.messages.write(chat, author, input);
  if (!created) return { message: toMessage(row), created: false };

  const message = toMessage(row);
  announceMessage(chat, message, ctx);
  return { message, created: true };
}

/**
 * After commit: the message goes to every socket of the session, and agents (and the
 * automations, bus subscribers) are told.
 */
export function announceMessage(chat: ChatRef, message: Message, ctx: ServiceContext): void {
  ctx.customers.message(chat.sessionId, message);
  ctx.bus.publish({
    type: 'message.created',
    ticketId: chat.ticketId,
    ticketNumber: chat.ticketNumber,
    at: message.createdAt,
    sessionId: chat.sessionId,
    message,
  });
}
