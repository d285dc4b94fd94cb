import { and, asc, eq, gt } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { chatMessages, type ChatMessageRow } from '../db/schema.js';

export type NewChatMessage = typeof chatMessages.$inferInsert;

/** SQL for the `chat_messages` table. */
export const chatMessagesRepository = {
  /** Inserts the message unless its session already holds its clientMsgId (then undefined). */
  async insertUnlessDuplicate(ex: Executor, values: NewChatMessage): Promise<ChatMessageRow | undefined> {
    const [row] = await ex
      .insert(chatMessages)
      .values(values)
      .onConflictDoNothing({ target: [chatMessages.sessionId, chatMessages.clientMsgId] })
      .returning();
    return row;
  },

  async findByClientMsgId(
    ex: Executor,
    sessionId: string,
    clientMsgId: string,
  ): Promise<ChatMessageRow | undefined> {
    const [row] = await ex
      .select()
      .from(chatMessages)
      .where(and(eq(chatMessages.sessionId, sessionId), eq(chatMessages.clientMsgId, clientMsgId)));
    return row;
  },

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
