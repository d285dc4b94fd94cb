import type { Message } from '../../../shared/chat.js';
import type { MessageCreatedEvent } from '../../../shared/events.js';
import type { ServiceContext } from '../context.js';
import type { MessageAuthor, MessageInput } from '../messages/messageEntry.js';
import type { ChatRef } from './chatRef.js';
import { toMessage } from './messageView.js';

/** Where a message need not be emitted: the sender's socket, when it asked not to be echoed (its ack carries the message). */
export interface Delivery {
  notTo?: string;
}

/**
 * Stores a message with the session's next seq and returns it once committed; only then is
 * it emitted to the session's sockets and announced to agents, with the eventId the writer's
 * transaction gave it. Idempotent by clientMsgId.
 * The node's message writer commits it (group commit, services/messages).
 */
export async function postMessage(
  chat: ChatRef,
  author: MessageAuthor,
  input: MessageInput,
  ctx: ServiceContext,
  delivery: Delivery = {},
): Promise<{ message: Message; created: boolean }> {
  const { row, created, eventId } = await ctx.messages.write(chat, author, input);
  if (!created) return { message: toMessage(row), created: false };

  const message = toMessage(row);
  if (eventId === undefined) throw new Error('a stored message came back without its eventId');
  announceMessage(chat, message, eventId, ctx, delivery);
  return { message, created: true };
}

/**
 * After commit: the message goes to every socket of the session, and agents (and the
 * automations, bus subscribers) are told, with the eventId its transaction logged it under.
 */
export function announceMessage(chat: ChatRef, message: Message, eventId: string, ctx: ServiceContext, delivery: Delivery = {}): void {
  ctx.customers.message(chat.sessionId, message, delivery.notTo);
  ctx.bus.publish({ ...messageCreatedEvent(chat, message), eventId });
}

/** The event that tells agents (and the automations, bus subscribers) of a message. */
export function messageCreatedEvent(chat: Pick<ChatRef, 'sessionId' | 'ticketId' | 'ticketNumber'>, message: Message): MessageCreatedEvent {
  return {
    type: 'message.created',
    ticketId: chat.ticketId,
    ticketNumber: chat.ticketNumber,
    at: message.createdAt,
    sessionId: chat.sessionId,
    message,
  };
}
