import type { Message, SenderType } from '../../../shared/chat.js';
import type { ServiceContext } from '../context.js';
import type { ChatRef } from './chatRef.js';
import { toMessage } from './messageView.js';

export interface MessageAuthor {
  type: SenderType;
  name?: string;
  agentId?: string;
}

export interface PostMessageInput {
  body: string;
  /** Chosen by the sender; the same one twice stores one message. Bots and the system send none. */
  clientMsgId?: string;
}

/**
 * Stores a message with the session's next seq and returns it once committed; only then is
 * it emitted to the session's sockets and announced to agents. Idempotent by clientMsgId.
 * The node's writer decides how it is committed (group commit, or one transaction each).
 */
export async function postMessage(
  chat: ChatRef,
  author: MessageAuthor,
  input: PostMessageInput,
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
