import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { chatMessages, chatSessions, tickets, type ChatMessageRow } from '../db/schema.js';
import type { NewChatMessage } from './chatMessages.js';

/** SQL of the group commit: many messages of many sessions written by one transaction. */
export const messageBatchesRepository = {
  /**
   * Locks the active sessions among `ids` until commit, in id order (two batches locking
   * overlapping sessions never deadlock), and answers their last seq. Closed or unknown
   * sessions are absent from the answer.
   */
  async lockActiveSessions(ex: Executor, ids: string[]): Promise<Array<{ id: string; lastSeq: number }>> {
    return ex
      .select({ id: chatSessions.id, lastSeq: chatSessions.lastSeq })
      .from(chatSessions)
      .where(and(inArray(chatSessions.id, ids), eq(chatSessions.status, 'active')))
      .orderBy(asc(chatSessions.id))
      .for('update');
  },

  /**
   * Messages already stored under any of these sessions and clientMsgIds (a superset of the
   * exact pairs; the caller matches pairs).
   */
  async findByClientMsgIds(ex: Executor, sessionIds: string[], clientMsgIds: string[]): Promise<ChatMessageRow[]> {
    return ex
      .select()
      .from(chatMessages)
      .where(and(inArray(chatMessages.sessionId, sessionIds), inArray(chatMessages.clientMsgId, clientMsgIds)));
  },

  /** One multi-row insert; the caller holds the sessions' locks and chose the seqs. */
  async insertMany(ex: Executor, rows: NewChatMessage[]): Promise<ChatMessageRow[]> {
    return ex.insert(chatMessages).values(rows).returning();
  },

  /** Sets each session's last seq (and activity time) in one statement. */
  async setLastSeqs(ex: Executor, lastSeqs: Map<string, number>): Promise<void> {
    const values = sql.join(
      [...lastSeqs].map(([id, lastSeq]) => sql`(${id}::uuid, ${lastSeq}::int)`),
      sql`, `,
    );
    await ex.execute(sql`
      update ${chatSessions} set last_seq = v.last_seq, last_activity_at = now()
      from (values ${values}) as v(id, last_seq)
      where ${chatSessions.id} = v.id`);
  },

  /** Marks the first agent response of each ticket; tickets already answered keep theirs. */
  async markFirstResponses(ex: Executor, ticketIds: string[]): Promise<void> {
    await ex
      .update(tickets)
      .set({ firstResponseAt: sql`now()` })
      .where(and(inArray(tickets.id, ticketIds), isNull(tickets.firstResponseAt)));
  },
};
