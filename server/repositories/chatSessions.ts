import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { chatSessions, tickets, type ChatSessionRow } from '../db/schema.js';

export type NewChatSession = typeof chatSessions.$inferInsert;

/** SQL for the `chat_sessions` table. */
export const chatSessionsRepository = {
  async insert(ex: Executor, values: NewChatSession): Promise<ChatSessionRow> {
    const [row] = await ex.insert(chatSessions).values(values).returning();
    if (!row) throw new Error('chat session insert returned nothing');
    return row;
  },

  async findById(ex: Executor, id: string): Promise<ChatSessionRow | undefined> {
    const [row] = await ex.select().from(chatSessions).where(eq(chatSessions.id, id));
    return row;
  },

  /**
   * Takes the next seq of an active session. The row lock this update holds until commit
   * serializes writers of one session, so seqs follow commit order with no gaps.
   */
  async allocateSeq(ex: Executor, id: string): Promise<number | undefined> {
    const [row] = await ex
      .update(chatSessions)
      .set({ lastSeq: sql`${chatSessions.lastSeq} + 1`, lastActivityAt: sql`now()` })
      .where(and(eq(chatSessions.id, id), eq(chatSessions.status, 'active')))
      .returning({ lastSeq: chatSessions.lastSeq });
    return row?.lastSeq;
  },

  /** Closes an active session; undefined when it was already closed (or does not exist). */
  async close(
    ex: Executor,
    id: string,
    reason: 'client' | 'agent' | 'timeout',
  ): Promise<ChatSessionRow | undefined> {
    const [row] = await ex
      .update(chatSessions)
      .set({ status: 'closed', closeReason: reason, endedAt: sql`now()` })
      .where(and(eq(chatSessions.id, id), eq(chatSessions.status, 'active')))
      .returning();
    return row;
  },
};

/** A session with the number of its ticket, as the chat transports need it. */
export async function findSessionWithTicketNumber(
  ex: Executor,
  id: string,
): Promise<(ChatSessionRow & { ticketNumber: number }) | undefined> {
  const [row] = await ex
    .select({ session: chatSessions, ticketNumber: tickets.number })
    .from(chatSessions)
    .innerJoin(tickets, eq(tickets.id, chatSessions.ticketId))
    .where(eq(chatSessions.id, id));
  return row ? { ...row.session, ticketNumber: row.ticketNumber } : undefined;
}

/**
 * Closes up to `limit` active sessions idle for `idleMs`, in one statement. Rows another
 * transaction holds are skipped, so several nodes sweeping at once each close different
 * chats and no chat is closed twice.
 */
export async function closeIdleSessions(
  ex: Executor,
  idleMs: number,
  limit: number,
): Promise<Array<Pick<ChatSessionRow, 'id' | 'ticketId' | 'endedAt'>>> {
  const idle = ex
    .select({ id: chatSessions.id })
    .from(chatSessions)
    .where(
      and(
        eq(chatSessions.status, 'active'),
        sql`${chatSessions.lastActivityAt} < now() - make_interval(secs => ${idleMs / 1000})`,
      ),
    )
    .orderBy(chatSessions.lastActivityAt)
    .limit(limit)
    .for('update', { skipLocked: true });
  return ex
    .update(chatSessions)
    .set({ status: 'closed', closeReason: 'timeout', endedAt: sql`now()` })
    .where(and(inArray(chatSessions.id, idle), eq(chatSessions.status, 'active')))
    .returning({ id: chatSessions.id, ticketId: chatSessions.ticketId, endedAt: chatSessions.endedAt });
}
