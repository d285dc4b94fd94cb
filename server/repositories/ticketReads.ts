import { sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { rowsOf } from '../db/rows.js';

/**
 * SQL for the agents' read marks (`ticket_reads`). A mark is a number of the ticket's customer
 * messages (`tickets.customer_messages`, counted by the message write path): the unread count
 * is the difference, so neither the list nor a mark ever counts a ticket's whole chat.
 */
export const ticketReadsRepository = {
  /**
   * Marks read, for `agentId`, the ticket's customer messages up to `seq` of `sessionId` (one
   * of the ticket's sessions) and all before it; never moves an existing mark back. Answers the
   * customer messages still unread. One statement, so the counter and the messages counted
   * against it are read in one snapshot: a message committed meanwhile is either in both or
   * in neither. Counts only what comes after the mark: the session's messages past `seq`
   * (chat_messages_session_seq_key) and those of the ticket's later sessions
   * (chat_sessions_ticket_idx, then the same key).
   */
  async advance(ex: Executor, mark: { agentId: string; ticketId: string; sessionId: string; seq: number }): Promise<number> {
    const result = await ex.execute(sql`
      with later as (
        select count(*)::int as n
        from chat_sessions s
        join chat_messages m on m.session_id = s.id
        where s.ticket_id = ${mark.ticketId}::uuid
          and m.sender_type = 'client'
          and ((s.id = ${mark.sessionId}::uuid and m.seq > ${mark.seq}::int)
            or (s.started_at, s.id) > (select started_at, id from chat_sessions where id = ${mark.sessionId}::uuid))
      ), target as (
        select t.id, t.customer_messages, greatest(t.customer_messages - later.n, 0) as read
        from tickets t, later
        where t.id = ${mark.ticketId}::uuid
      ), marked as (
        insert into ticket_reads (agent_id, ticket_id, customer_messages_read)
        select ${mark.agentId}::uuid, id, read from target
        on conflict (agent_id, ticket_id) do update
          set customer_messages_read = greatest(ticket_reads.customer_messages_read, excluded.customer_messages_read),
              updated_at = now()
        returning customer_messages_read
      )
      select greatest(target.customer_messages - marked.customer_messages_read, 0) as unread from target, marked`);
    const [row] = rowsOf<{ unread: number | string }>(result);
    if (!row) throw new Error(`read mark of ticket ${mark.ticketId} wrote nothing`);
    return Number(row.unread);
  },
};
