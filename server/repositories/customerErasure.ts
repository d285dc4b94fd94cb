import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { rowsOf } from '../db/rows.js';

/**
 * SQL of `clients.erase` (PROTOCOL §9, LGPD Art. 18): every table that may hold what a customer
 * typed or what identifies them, for one customer. The customer's own texts (its messages, its
 * rating comment, what it typed into the chat form) are replaced whole by the tombstone; texts
 * others wrote about them (agents' replies and notes, ticket subjects, the audit trail, the
 * mail outbox, the webhook log, the event log) have each of the customer's identifiers replaced by it.
 */

/** `replace(replace(value, id1, tombstone), id2, tombstone)…`: every identifier out of one text. */
function scrubbed(value: SQL, identifiers: string[], tombstone: string): SQL {
  return identifiers.reduce((text, identifier) => sql`replace(${text}, ${identifier}, ${tombstone})`, value);
}

const ticketsOf = (clientId: string) => sql`(select id from tickets where client_id = ${clientId}::uuid)`;
const sessionsOf = (clientId: string) => sql`(select id from chat_sessions where client_id = ${clientId}::uuid)`;

export const customerErasureRepository = {
  /**
   * Everything that identifies the customer: its name, e-mail and phone, what its chats' visitors
   * typed, and the contact data of customers merged into it (kept in its tickets' trail).
   */
  async identifiersOf(ex: Executor, clientId: string): Promise<string[]> {
    const result = await ex.execute(sql`
      select name as value from clients where id = ${clientId}::uuid
      union select email from clients where id = ${clientId}::uuid
      union select phone from clients where id = ${clientId}::uuid
      union select user_name from chat_sessions where client_id = ${clientId}::uuid
      union select user_email from chat_sessions where client_id = ${clientId}::uuid
      union select user_phone from chat_sessions where client_id = ${clientId}::uuid
      union select data->'source'->>'name' from ticket_events where type = 'clients.merged' and ticket_id in ${ticketsOf(clientId)}
      union select data->'source'->>'email' from ticket_events where type = 'clients.merged' and ticket_id in ${ticketsOf(clientId)}
      union select data->'source'->>'phone' from ticket_events where type = 'clients.merged' and ticket_id in ${ticketsOf(clientId)}`);
    return rowsOf<{ value: string | null }>(result).flatMap((row) => (row.value ? [row.value] : []));
  },

  /**
   * The customer's chat sessions still open, locked (FOR UPDATE, before `erase` locks its
   * tickets, as every chat writer does): exactly the chats `erase` ends. Their sockets are told.
   */
  async lockActiveSessions(ex: Executor, clientId: string): Promise<Array<{ id: string; ticketId: string }>> {
    const result = await ex.execute(sql`
      select id, ticket_id from chat_sessions where client_id = ${clientId}::uuid and status = 'active' order by id for update`);
    return rowsOf<{ id: string; ticket_id: string }>(result).map((row) => ({ id: row.id, ticketId: row.ticket_id }));
  },

  /**
   * Replaces the customer's data everywhere, in the caller's transaction. `identifiers` are
   * longest first (a name inside an e-mail goes with the e-mail). Counts, ids and ticket
   * numbers stay. Resume tokens and `/c/` links stop working: each session's token hash
   * becomes one no token hashes to, and links are signed over that hash.
   */
  async erase(ex: Executor, clientId: string, identifiers: string[], tombstone: string): Promise<void> {
    // In the audit trail (jsonb read as text) an identifier appears JSON-escaped.
    const jsonIdentifiers = identifiers.map((identifier) => JSON.stringify(identifier).slice(1, -1));
    const scrub = (column: SQL) => scrubbed(column, identifiers, tombstone);
    const scrubJsonOf = (column: SQL) => sql`(${scrubbed(sql`${column}::text`, jsonIdentifiers, tombstone)})::jsonb`;
    const scrubJson = scrubJsonOf(sql`data`);
    await ex.execute(sql`
      update chat_messages set
        body = case when sender_type = 'client' then ${tombstone} else ${scrub(sql`body`)} end,
        sender_name = case when sender_type = 'client' then ${tombstone} else sender_name end
      where session_id in ${sessionsOf(clientId)}`);
    await ex.execute(sql`
      update ticket_notes set body = ${scrub(sql`body`)} where ticket_id in ${ticketsOf(clientId)}`);
    await ex.execute(sql`
      update ticket_events set data = case
          when type = 'ticket.rated' then ${scrubJson} - 'comment'
          when actor_type = 'client' then ${scrubJson} - 'note'
          else ${scrubJson} end
      where ticket_id in ${ticketsOf(clientId)}`);
    // The event log agents' streams replay (a message.created row names its message, erased above).
    await ex.execute(sql`
      update domain_events set payload = case
          when type = 'ticket.rated' then ${scrubJsonOf(sql`payload`)} - 'comment'
          else ${scrubJsonOf(sql`payload`)} end
      where ticket_id in ${ticketsOf(clientId)}`);
    await ex.execute(sql`
      update webhook_deliveries set last_error = ${scrub(sql`last_error`)}
      where ticket_id in ${ticketsOf(clientId)} and last_error is not null`);
    await ex.execute(sql`
      update mail_outbox set to_address = ${tombstone}, subject = ${tombstone}, text_body = ${tombstone}, html_body = ${tombstone},
        status = case when status = 'pending' then 'failed' else status end,
        last_error = case when status = 'pending' then 'erased before it was sent (clients.erase)' when last_error is null then null else ${scrub(sql`last_error`)} end,
        lease_until = null
      where client_id = ${clientId}::uuid
         or to_address in (select value from jsonb_array_elements_text(${JSON.stringify(identifiers)}::jsonb))`);
    await ex.execute(sql`
      update tickets set subject = ${scrub(sql`subject`)}, description = ${scrub(sql`description`)} where client_id = ${clientId}::uuid`);
    await ex.execute(sql`
      update chat_sessions set user_name = ${tombstone}, user_email = ${tombstone}, user_phone = ${tombstone},
        rating_comment = case when rating_comment is null then null else ${tombstone} end,
        resume_token_hash = 'erased',
        status = 'closed',
        close_reason = coalesce(close_reason, 'agent'),
        ended_at = coalesce(ended_at, now())
      where client_id = ${clientId}::uuid`);
    await ex.execute(sql`
      update clients set name = ${tombstone}, email = null, phone = null, erased_at = now(), updated_at = now() where id = ${clientId}::uuid`);
  },
};
