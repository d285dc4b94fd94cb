import { and, asc, eq, gt } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { chatMessages, type ChatMessageRow } from '../db/schema.js';

/** Reads of the `chat_messages` table; messages are written by `messageBatchesRepository`. */
export const chatMessagesRepository = {
  /** Messages with seq above `afterSeq`, in seq order. */
  async listAfter(ex: Executor, sessionId: string, afterSeq = 0, limit?: number): Promise<ChatMessageRow[]> {
    const query = ex
      .select()
      .from(chatMessages)
      .where(and(eq(chatMessages.sessionId, sessionId), gt(chatMessages.seq, afterSeq)))
      .orderBy(asc(chatMessages.seq));
    return limit === undefined ? query : query.limit(limit);
  },

  /** The message a sender stored under this clientMsgId (chat_messages_session_client_msg_id_key). */
  async findByClientMsgId(ex: Executor, sessionId: string, clientMsgId: string): Promise<ChatMessageRow | undefined> {
    const [row] = await ex
      .select()
      .from(chatMessages)
      .where(and(eq(chatMessages.sessionId, sessionId), eq(chatMessages.clientMsgId, clientMsgId)));
    return row;
  },
};
