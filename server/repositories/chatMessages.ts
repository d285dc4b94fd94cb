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
};
