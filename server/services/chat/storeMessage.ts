import type { Database } from '../../db/client.js';
import type { ChatMessageRow } from '../../db/schema.js';
import { chatMessagesRepository } from '../../repositories/chatMessages.js';
import { chatSessionsRepository } from '../../repositories/chatSessions.js';
import { ticketEventsRepository } from '../../repositories/ticketEvents.js';
import { ticketsRepository } from '../../repositories/tickets.js';
import { AppError } from '../../errors.js';
import type { ChatRef } from './chatRef.js';
import type { MessageAuthor, PostMessageInput } from './postMessage.js';
import { sessionFull } from './sessionFull.js';

/** A message as the writer answers it: the stored row, and whether this call stored it. */
export interface StoredMessage {
  row: ChatMessageRow;
  created: boolean;
}

/** Thrown inside the transaction to roll back the seq taken for a duplicate clientMsgId. */
class DuplicateMessage extends Error {}

/**
 * The one-transaction-per-message path (no group commit): take the session's next seq under
 * its row lock, insert, audit an agent's message; idempotent by clientMsgId. A seq past
 * `maxMessages` rolls the transaction back with CLOSED: checked under the lock, so concurrent
 * sends never overshoot.
 */
export async function storeMessage(
  db: Database,
  chat: ChatRef,
  author: MessageAuthor,
  input: PostMessageInput,
  maxMessages: number,
): Promise<StoredMessage> {
  const clientMsgId = input.clientMsgId ?? null;
  if (clientMsgId) {
    const existing = await chatMessagesRepository.findByClientMsgId(db, chat.sessionId, clientMsgId);
    if (existing) return { row: existing, created: false };
  }

  try {
    const row = await db.transaction(async (tx) => {
      const seq = await chatSessionsRepository.allocateSeq(tx, chat.sessionId);
      if (seq === undefined) throw new AppError('CLOSED', 'This chat is closed');
      if (seq > maxMessages) throw sessionFull(maxMessages);
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
        await ticketsRepository.markFirstResponse(tx, chat.ticketId);
      }
      return inserted;
    });
    return { row, created: true };
  } catch (error) {
    if (!(error instanceof DuplicateMessage) || !clientMsgId) throw error;
    // A concurrent send with the same clientMsgId committed first: answer with its message.
    const existing = await chatMessagesRepository.findByClientMsgId(db, chat.sessionId, clientMsgId);
    if (!existing) throw error;
    return { row: existing, created: false };
  }
}
