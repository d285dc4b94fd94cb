import { sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { rowsOf } from '../db/rows.js';
import { tickets, type ChatMessageRow } from '../db/schema.js';
import { MESSAGE_COLUMNS, toMessageRow, type RawMessage } from './messageRows.js';
import { anyOfIds, eachKeyOf, isEachKey } from '../db/idList.js';

// Every statement here takes its rows as one JSON parameter: the SQL and its parameter count
// stay the same whatever the batch size, so building a statement costs next to nothing (with
// one parameter per value, building the multi-row insert was a fifth of the node's CPU).
//
// They are prepared, and PostgreSQL keeps the generic plan it made on a statement's sixth run
// until the next ANALYZE, however the tables grow meanwhile (tests/query-plans.test.ts). So each
// row a batch names is looked up by its key in a way no plan can turn into reading the table:
// a fenced lateral lookup, or `key = any(array[value])`, which no hash or merge join can use.
// Made while the tables were small, the plans joined by hashing the whole table: every batch
// read every message (18 ms a batch at 58,000 messages), every session, every ticket.

/** A message row as the batch inserts it: the id and seq are chosen by the caller. */
export interface BatchMessageRow {
  id: string;
  sessionId: string;
  seq: number;
  senderType: ChatMessageRow['senderType'];
  agentId: string | null;
  senderName: string | null;
  body: string;
  clientMsgId: string | null;
}

/** What one batch changes on a session it writes messages into. */
export interface SessionWrite {
  /** The seq of the session's last message in the batch. */
  lastSeq: number;
  /** A customer message is among them. */
  customer: boolean;
  /** An agent message is among them: a reply when the session already had a customer message. */
  agent: boolean;
  /** An agent message follows a customer message of the batch (in seq order): a reply in any case. */
  agentAfterCustomer: boolean;
}

/** SQL that writes chat messages: many messages of many sessions in one transaction (group commit). */
export const messageBatchesRepository = {
  /**
   * Locks the active sessions among `ids` until commit, in id order (two batches locking
   * overlapping sessions never deadlock), and answers their last seq. Closed or unknown
   * sessions are absent from the answer.
   */
  async lockActiveSessions(ex: Executor, ids: string[]): Promise<Array<{ id: string; lastSeq: number }>> {
    const result = await ex.execute(sql`
      select id, last_seq from chat_sessions
      where id ${anyOfIds(ids)}
        and status = 'active'
      order by id
      for update`);
    return rowsOf<{ id: string; last_seq: number }>(result).map((row) => ({ id: row.id, lastSeq: Number(row.last_seq) }));
  },

  /**
   * Locks one session whatever its status (an agent's late reply goes into a chat that ended)
   * and answers its last seq, or nothing when it does not exist.
   */
  async lockSession(ex: Executor, id: string): Promise<Array<{ id: string; lastSeq: number }>> {
    const result = await ex.execute(sql`select id, last_seq from chat_sessions where id = ${id}::uuid for update`);
    return rowsOf<{ id: string; last_seq: number }>(result).map((row) => ({ id: row.id, lastSeq: Number(row.last_seq) }));
  },

  /** The messages already stored under these exact (session, clientMsgId) pairs. */
  async findByClientMsgIds(ex: Executor, keys: Array<{ sessionId: string; clientMsgId: string }>): Promise<ChatMessageRow[]> {
    // Each key looked up in chat_messages_session_client_msg_id_key.
    const result = await ex.execute(sql`
      select m.*
      from jsonb_to_recordset(${JSON.stringify(keys)}::jsonb) as k("sessionId" uuid, "clientMsgId" text)
      cross join lateral (
        select ${MESSAGE_COLUMNS} from chat_messages where session_id = k."sessionId" and client_msg_id = k."clientMsgId" offset 0
      ) as m`);
    return rowsOf<RawMessage>(result).map(toMessageRow);
  },

  /** One insert of every row; the caller holds the sessions' locks and chose the seqs. */
  async insertMany(ex: Executor, rows: BatchMessageRow[]): Promise<ChatMessageRow[]> {
    const result = await ex.execute(sql`
      insert into chat_messages (id, session_id, seq, sender_type, agent_id, sender_name, body, client_msg_id)
      select "id", "sessionId", "seq", "senderType", "agentId", "senderName", "body", "clientMsgId"
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(
        "id" uuid, "sessionId" uuid, "seq" int, "senderType" text, "agentId" uuid, "senderName" text, "body" text, "clientMsgId" text)
      returning ${MESSAGE_COLUMNS}`);
    return rowsOf<RawMessage>(result).map(toMessageRow);
  },

  /**
   * Sets each session's last seq and activity time, and the first-response facts its new
   * messages make (chat_sessions.first_customer_message_at, first_agent_reply_at), in one
   * statement: the row is updated anyway, so reports cost the message path nothing. The
   * messages are stamped with this transaction's now(), and so are the facts; a reply is never
   * earlier than the customer message it answers (a transaction that began before that one
   * committed stamps an earlier now()).
   */
  async updateSessions(ex: Executor, sessions: Map<string, SessionWrite>): Promise<void> {
    const values = [...sessions].map(([id, write]) => ({ id, ...write }));
    await ex.execute(sql`
      update chat_sessions s set last_seq = v."lastSeq", last_activity_at = now(),
        first_customer_message_at = coalesce(s.first_customer_message_at, case when v."customer" then now() end),
        -- greatest() skips a null: the customer's message in this same batch (now()).
        first_agent_reply_at = coalesce(s.first_agent_reply_at, case
          when v."agentAfterCustomer" or (v."agent" and s.first_customer_message_at is not null)
          then greatest(now(), s.first_customer_message_at)
        end)
      from jsonb_to_recordset(${JSON.stringify(values)}::jsonb) as v("id" uuid, "lastSeq" int, "customer" boolean, "agent" boolean, "agentAfterCustomer" boolean)
      where s.id = any(array[v."id"])`);
  },

  /**
   * Adds each ticket's new customer messages to its counter (what unread counts are taken
   * from). A ticket's rows are locked after its sessions', like markFirstResponses does.
   */
  async countCustomerMessages(ex: Executor, added: Map<string, number>): Promise<void> {
    const values = [...added].map(([id, n]) => ({ id, n }));
    await ex.execute(sql`
      update tickets t set customer_messages = t.customer_messages + v."n"
      from jsonb_to_recordset(${JSON.stringify(values)}::jsonb) as v("id" uuid, "n" int)
      where t.id = any(array[v."id"])`);
  },

  /** Marks the first agent response of each ticket; tickets already answered keep theirs. */
  async markFirstResponses(ex: Executor, ticketIds: string[]): Promise<void> {
    // No condition on the updated table but its key: `first_response_at is null` looks rare to
    // a plan made while the table was small, which then scanned every ticket for it. An
    // answered ticket is written back unchanged (its updated_at too).
    await ex
      .update(tickets)
      .set({
        firstResponseAt: sql`coalesce(${tickets.firstResponseAt}, now())`,
        updatedAt: sql`case when ${tickets.firstResponseAt} is null then now() else ${tickets.updatedAt} end`,
      })
      .from(eachKeyOf(ticketIds))
      .where(isEachKey(tickets.id));
  },
};
