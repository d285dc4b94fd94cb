import type { Message, SenderType } from '../../../shared/chat.js';
import { chatMessagesRepository } from '../../repositories/chatMessages.js';
import { chatSessionsRepository } from '../../repositories/chatSessions.js';
import { ticketEventsRepository } from '../../repositories/ticketEvents.js';
import { markFirstResponse } from '../../repositories/tickets.js';
import { AppError } from '../../errors.js';
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

/** Thrown inside the transaction to roll back the seq taken for a duplicate clientMsgId. */
class DuplicateMessage extends Error {}

/**
 * Stores a message with the session's next seq and returns it once committed; only then is
 * it emitted to the session's sockets and announced to agents. Idempotent by clientMsgId.
 */
export async function postMessage(
  chat: ChatRef,
  author: MessageAuthor,
  input: PostMessageInput,
  ctx: ServiceContext,
): Promise<{ message: Message; created: boolean }> {
  const clientMsgId = input.clientMsgId ?? null;
  if (clientMsgId) {
    const existing = await chatMessagesRepository.findByClientMsgId(ctx.db, chat.sessionId, clientMsgId);
    if (existing) return { message: toMessage(existing), created: false };
  }

  let row;
  try {
    row = await ctx.db.transaction(async (tx) => {
      const seq = await chatSessionsRepository.allocateSeq(tx, chat.sessionId);
      if (seq === undefined) throw new AppError('CLOSED', 'This chat is closed');
      const inserted = await chatMessagesRepository.insertUnlessDuplicate(tx, {
        sessionId: chat.sessionId,
        seq,
        senderType: author.type,
        agentId: author.agentId ?? null,
        senderName: author.name ?? null,
        body: input.body,
        clientMsgId,
      });
      if (!inserted) throw new DuplicateMessage();
      if (author.type === 'agent') {
        await ticketEventsRepository.append(tx, {
          ticketId: chat.ticketId,
          actorType: 'agent',
          actorId: author.agentId ?? null,
          type: 'message.created',
          data: { sessionId: chat.sessionId, messageId: inserted.id, seq },
        });
        await markFirstResponse(tx, chat.ticketId);
      }
      return inserted;
    });
  } catch (error) {
    if (!(error instanceof DuplicateMessage) || !clientMsgId) throw error;
    // A concurrent send with the same clientMsgId committed first: answer with its message.
    const existing = await chatMessagesRepository.findByClientMsgId(ctx.db, chat.sessionId, clientMsgId);
    if (!existing) throw error;
    return { message: toMessage(existing), created: false };
  }

  const message = toMessage(row);
  ctx.customers.message(chat.sessionId, message);
  ctx.bus.publish({
    type: 'message.created',
    ticketId: chat.ticketId,
    ticketNumber: chat.ticketNumber,
    at: message.createdAt,
    sessionId: chat.sessionId,
    message,
  });
  if (author.type === 'client') ctx.hooks.afterCustomerMessage(chat, message);
  return { message, created: true };
}
