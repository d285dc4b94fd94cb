import { and, asc, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { rowsOf } from '../db/rows.js';
import { chatSessions, tickets, type ChatSessionRow } from '../db/schema.js';

export type SessionWithCount = Pick<
  ChatSessionRow,
  'id' | 'ticketId' | 'status' | 'startedAt' | 'endedAt' | 'verified' | 'matchedBy' | 'userName' | 'userEmail' | 'userPhone' | 'unanswered'
> & {
  messageCount: number;
};

const sessionWithCount = {
  id: chatSessions.id,
  ticketId: chatSessions.ticketId,
  status: chatSessions.status,
  startedAt: chatSessions.startedAt,
  endedAt: chatSessions.endedAt,
  verified: chatSessions.verified,
  matchedBy: chatSessions.matchedBy,
  userName: chatSessions.userName,
  userEmail: chatSessions.userEmail,
  userPhone: chatSessions.userPhone,
  unanswered: chatSessions.unanswered,
  // Spelled out: inside a one-table select Drizzle leaves column names unqualified.
  messageCount: sql<number>`(select count(*)::int from chat_messages m where m.session_id = "chat_sessions"."id")`,
};

/** What a resume token is checked against, and the chat it opens. */
export type ResumableSession = Pick<ChatSessionRow, 'id' | 'ticketId' | 'clientId' | 'userName' | 'status' | 'resumeTokenHash' | 'endedAt'> & {
  ticketNumber: number;
  /** Its place in the routing queue as last told to the customer; null when not waiting there. */
  queuePosition: number | null;
};

/** What the end of a chat needs of its session. */
export type EndedSession = Pick<ChatSessionRow, 'id' | 'ticketId' | 'clientId' | 'startedAt' | 'endedAt' | 'unanswered'>;

// A closed chat is `unanswered` when no agent wrote in it: its own messages decide, not the
// ticket's first_response_at, which an earlier chat of the same ticket may have set. It is
// decided under the session's lock, so every message committed before the close is seen (a
// message writer locks the session too).
function noAgentMessageIn(sessionId: SQL): SQL<boolean> {
  return sql<boolean>`not exists (select 1 from chat_messages m where m.session_id = ${sessionId} and m.sender_type = 'agent')`;
}
// Spelled out: inside a one-table update Drizzle leaves column names unqualified.
const noAgentMessage = noAgentMessageIn(sql.raw('"chat_sessions"."id"'));

/** SQL for the `chat_sessions` table. Sessions are inserted by the chat intake (`chatIntake.ts`). */
export const chatSessionsRepository = {
  async findById(ex: Executor, id: string): Promise<ChatSessionRow | undefined> {
    const [row] = await ex.select().from(chatSessions).where(eq(chatSessions.id, id));
    return row;
  },

  /** A session with the number of its ticket, as the chat transports need it. */
  async findWithTicketNumber(ex: Executor, id: string): Promise<(ChatSessionRow & { ticketNumber: number }) | undefined> {
    const [row] = await ex
      .select({ session: chatSessions, ticketNumber: tickets.number })
      .from(chatSessions)
      .innerJoin(tickets, eq(tickets.id, chatSessions.ticketId))
      .where(eq(chatSessions.id, id));
    return row ? { ...row.session, ticketNumber: row.ticketNumber } : undefined;
  },

  /**
   * A session as a resume needs it, with its ticket's number and its place in the queue. Raw
   * SQL, one statement: every visitor of a node that died resumes at once on the others, and
   * building this select was a third of the CPU.
   */
  async findResumable(ex: Executor, id: string): Promise<ResumableSession | undefined> {
    const result = await ex.execute(sql`
      select s.id, s.ticket_id, t.number, s.client_id, s.user_name, s.status, s.resume_token_hash,
        floor(extract(epoch from s.ended_at) * 1000)::int8 as ended_ms,
        (select q.position from chat_queue q where q.session_id = s.id) as queue_position
      from chat_sessions s join tickets t on t.id = s.ticket_id
      where s.id = ${id}::uuid`);
    const row = rowsOf<{
      id: string;
      ticket_id: string;
      number: number;
      client_id: string;
      user_name: string;
      status: ChatSessionRow['status'];
      resume_token_hash: string;
      ended_ms: string | number | bigint | null;
      queue_position: string | number | null;
    }>(result)[0];
    if (!row) return undefined;
    return {
      id: row.id,
      ticketId: row.ticket_id,
      ticketNumber: Number(row.number),
      clientId: row.client_id,
      userName: row.user_name,
      status: row.status,
      resumeTokenHash: row.resume_token_hash,
      endedAt: row.ended_ms === null ? null : new Date(Number(row.ended_ms)),
      queuePosition: row.queue_position === null ? null : Number(row.queue_position),
    };
  },

  /** The chat sessions of a ticket, oldest first, with how many messages each holds. */
  async listOfTicket(ex: Executor, ticketId: string): Promise<SessionWithCount[]> {
    return ex
      .select(sessionWithCount)
      .from(chatSessions)
      // chat_sessions_ticket_idx
      .where(eq(chatSessions.ticketId, ticketId))
      .orderBy(asc(chatSessions.startedAt), asc(chatSessions.id));
  },

  /** The chat sessions of a customer, newest first, with how many messages each holds. */
  async listOfClient(ex: Executor, clientId: string): Promise<SessionWithCount[]> {
    return ex
      .select(sessionWithCount)
      .from(chatSessions)
      // chat_sessions_client_idx
      .where(eq(chatSessions.clientId, clientId))
      .orderBy(desc(chatSessions.startedAt), desc(chatSessions.id));
  },

  /** Every chat session row of a customer, oldest first (chat_sessions_client_idx). */
  async listRowsOfClient(ex: Executor, clientId: string): Promise<ChatSessionRow[]> {
    return ex.select().from(chatSessions).where(eq(chatSessions.clientId, clientId)).orderBy(asc(chatSessions.startedAt), asc(chatSessions.id));
  },

  /** The most recent chat session of a ticket: the one agents reply into. */
  async findLatestOfTicket(ex: Executor, ticketId: string): Promise<ChatSessionRow | undefined> {
    const [row] = await ex
      .select()
      .from(chatSessions)
      // chat_sessions_ticket_idx
      .where(eq(chatSessions.ticketId, ticketId))
      .orderBy(desc(chatSessions.startedAt), desc(chatSessions.id))
      .limit(1);
    return row;
  },

  /** Ids of the chat sessions of a ticket (to tell their customers about a change). */
  async listIdsOfTicket(ex: Executor, ticketId: string): Promise<string[]> {
    // chat_sessions_ticket_idx
    const rows = await ex.select({ id: chatSessions.id }).from(chatSessions).where(eq(chatSessions.ticketId, ticketId));
    return rows.map((row) => row.id);
  },

  /** Ids of a ticket's chat sessions that are still open (to tell their customers who joined). */
  async listActiveIdsOfTicket(ex: Executor, ticketId: string): Promise<string[]> {
    const rows = await ex
      .select({ id: chatSessions.id })
      .from(chatSessions)
      // chat_sessions_ticket_idx
      .where(and(eq(chatSessions.ticketId, ticketId), eq(chatSessions.status, 'active')));
    return rows.map((row) => row.id);
  },

  /**
   * Closes an active session; undefined when it was already closed (or does not exist).
   * The same statement marks it `unanswered` when the visitor leaves it with no agent message.
   */
  async close(ex: Executor, id: string, reason: 'client' | 'agent' | 'timeout'): Promise<ChatSessionRow | undefined> {
    const [row] = await ex
      .update(chatSessions)
      .set({ status: 'closed', closeReason: reason, endedAt: sql`now()`, unanswered: reason === 'agent' ? false : noAgentMessage })
      .where(and(eq(chatSessions.id, id), eq(chatSessions.status, 'active')))
      .returning();
    return row;
  },

  /**
   * Closes up to `limit` active sessions idle for `idleMs`. Rows another transaction holds are
   * skipped, so several nodes sweeping at once each close different chats and no chat is closed
   * twice. Two statements, each row looked up by its key: the idle sessions are locked (with
   * whether an agent wrote in each: a message since would have made it not idle, and a writer
   * holding it would have had it skipped), then closed. As one statement, a plan made while the
   * table was small joined every open chat to the idle ones, and read every message.
   */
  async closeIdle(
    ex: Executor,
    idleMs: number,
    limit: number,
  ): Promise<EndedSession[]> {
    // chat_sessions_active_started_idx (partial: the open chats, read whole: a sweep every few
    // seconds to minutes, where each message batch would pay for an index on activity).
    // 'active' written out, not a parameter: a generic plan cannot tell that `status = $1` is
    // the index's `status = 'active'`, and would read every session ever held instead.
    const result = await ex.execute(sql`
      select i.id, ${noAgentMessageIn(sql`i.id`)} as unanswered
      from (
        select id from chat_sessions
        where status = 'active' and last_activity_at < now() - make_interval(secs => ${idleMs / 1000})
        order by last_activity_at
        limit ${limit}
        for update skip locked
      ) i`);
    const idle = rowsOf<{ id: string; unanswered: boolean }>(result);
    if (idle.length === 0) return [];
    const closing = await ex.execute(sql`
      update chat_sessions s set status = 'closed', close_reason = 'timeout', ended_at = now(), unanswered = v."unanswered"
      from jsonb_to_recordset(${JSON.stringify(idle)}::jsonb) as v("id" uuid, "unanswered" boolean)
      where s.id = any(array[v."id"])
      returning s.id, s.ticket_id, s.client_id,
        floor(extract(epoch from s.started_at) * 1000)::int8 as started_ms, floor(extract(epoch from s.ended_at) * 1000)::int8 as ended_ms, s.unanswered`);
    return rowsOf<{ id: string; ticket_id: string; client_id: string; started_ms: string | number; ended_ms: string | number; unanswered: boolean }>(closing).map(
      (row) => ({
        id: row.id,
        ticketId: row.ticket_id,
        clientId: row.client_id,
        startedAt: new Date(Number(row.started_ms)),
        endedAt: new Date(Number(row.ended_ms)),
        unanswered: row.unanswered,
      }),
    );
  },

  /** Hands every chat session of one customer to another; returns how many moved. */
  async moveToClient(ex: Executor, fromClientId: string, toClientId: string): Promise<number> {
    const rows = await ex
      .update(chatSessions)
      .set({ clientId: toClientId })
      // chat_sessions_client_idx
      .where(eq(chatSessions.clientId, fromClientId))
      .returning({ id: chatSessions.id });
    return rows.length;
  },

  /**
   * A new session of an existing ticket, copying who the customer is from an earlier one: the
   * customer writing again through a `/c/` link after the chat ended (PROTOCOL §9).
   */
  async insertContinuation(
    ex: Executor,
    from: ChatSessionRow,
    values: { id: string; resumeTokenHash: string; lastSeq: number; opensWithCustomerMessage: boolean },
  ): Promise<ChatSessionRow> {
    const [row] = await ex
      .insert(chatSessions)
      .values({
        id: values.id,
        clientId: from.clientId,
        ticketId: from.ticketId,
        ticketCreatedAt: from.ticketCreatedAt,
        userName: from.userName,
        userEmail: from.userEmail,
        userPhone: from.userPhone,
        locale: from.locale,
        verified: from.verified,
        matchedBy: from.matchedBy,
        resumeTokenHash: values.resumeTokenHash,
        lastSeq: values.lastSeq,
        // When its first message (written by this transaction, at its now()) is the customer's.
        firstCustomerMessageAt: values.opensWithCustomerMessage ? sql`now()` : null,
      })
      .returning();
    if (!row) throw new Error('continuation session insert returned nothing');
    return row;
  },

  /** Stores the session's rating unless it has one; undefined when it was already rated (or does not exist). */
  async rate(ex: Executor, id: string, score: number, comment: string | null): Promise<{ ratedAt: Date } | undefined> {
    const [row] = await ex
      .update(chatSessions)
      .set({ ratingScore: score, ratingComment: comment, ratedAt: sql`now()` })
      .where(and(eq(chatSessions.id, id), sql`${chatSessions.ratedAt} is null`))
      .returning({ ratedAt: chatSessions.ratedAt });
    return row?.ratedAt ? { ratedAt: row.ratedAt } : undefined;
  },

  /** What the assistant needs of a chat: whether people are on it, and who and where it is. */
  async findTriage(ex: Executor, sessionId: string) {
    const [row] = await ex
      .select({
        ticketId: tickets.id,
        ticketNumber: tickets.number,
        escalated: tickets.escalated,
        firstResponseAt: tickets.firstResponseAt,
        clientId: chatSessions.clientId,
        userName: chatSessions.userName,
        status: chatSessions.status,
        locale: chatSessions.locale,
      })
      .from(chatSessions)
      .innerJoin(tickets, eq(tickets.id, chatSessions.ticketId))
      .where(eq(chatSessions.id, sessionId));
    return row;
  },
};
