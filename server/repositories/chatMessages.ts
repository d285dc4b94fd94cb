import { and, desc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { rowsOf } from '../db/rows.js';
import { chatMessages, chatSessions, type ChatMessageRow } from '../db/schema.js';
import { MESSAGE_COLUMNS, toMessageRow, type RawMessage } from './messageRows.js';

/** Reads of the `chat_messages` table; messages are written by `messageBatchesRepository`. */
export const chatMessagesRepository = {
  /** Messages with seq above `afterSeq`, in seq order (chat_messages_session_seq_key); every resume reads them. */
  async listAfter(ex: Executor, sessionId: string, afterSeq = 0, limit?: number): Promise<ChatMessageRow[]> {
    const result = await ex.execute(sql`
      select ${MESSAGE_COLUMNS} from chat_messages
      where session_id = ${sessionId}::uuid and seq > ${afterSeq}
      order by seq ${limit === undefined ? sql`` : sql`limit ${limit}`}`);
    return rowsOf<RawMessage>(result).map(toMessageRow);
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
