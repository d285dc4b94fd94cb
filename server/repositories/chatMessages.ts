import { and, asc, desc, eq, gt, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { chatMessages, chatSessions, type ChatMessageRow } from '../db/schema.js';

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

  /**
   * The last `limit` messages of every chat session of a ticket (its whole conversation, for a
   * transcript), oldest first, and how many it holds in all.
   */
  async listOfTicket(ex: Executor, ticketId: string, limit: number): Promise<{ rows: ChatMessageRow[]; total: number }> {
    const [rows, [count]] = await Promise.all([
      ex
        .select({ message: chatMessages })
        .from(chatMessages)
        .innerJoin(chatSessions, eq(chatSessions.id, chatMessages.sessionId))
        // chat_sessions_ticket_idx, then chat_messages_session_seq_key per session
        .where(eq(chatSessions.ticketId, ticketId))
        .orderBy(desc(chatSessions.startedAt), desc(chatSessions.id), desc(chatMessages.seq))
        .limit(limit),
      ex
        .select({ n: sql<number>`count(*)::int` })
        .from(chatMessages)
        .innerJoin(chatSessions, eq(chatSessions.id, chatMessages.sessionId))
        .where(eq(chatSessions.ticketId, ticketId)),
    ]);
    return { rows: rows.map((row) => row.message).reverse(), total: Number(count?.n ?? 0) };
  },
};
