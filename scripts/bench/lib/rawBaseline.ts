import { randomBytes, randomUUID } from 'node:crypto';
import type postgres from 'postgres';

export interface Contact {
  name: string;
  email: string;
  phone: string;
}

/** A new visitor's form, its e-mail and phone random (`source` names who sent it). */
export function newContact(source: string): Contact {
  const tag = randomBytes(6).toString('hex');
  const digits = String(Number.parseInt(randomBytes(4).toString('hex'), 16) % 100_000_000).padStart(8, '0');
  return { name: 'Bench Visitor', email: `${source}.${tag}@example.com`, phone: `+55119${digits}` };
}

/**
 * What `chat:start` runs for a new customer, as plain postgres.js in one transaction: look the
 * customer up by e-mail and by phone, insert it, open the ticket, the session and the audit row.
 * Answers what a `chat:start` ack carries.
 */
export async function rawChatStart(db: postgres.Sql, c: Contact) {
  const resumeToken = randomBytes(32).toString('hex');
  return db.begin(async (tx) => {
    await tx`select * from clients where email = ${c.email}`;
    await tx`select * from clients where phone = ${c.phone}`;
    const [client] = await tx`insert into clients (email, name, phone, total_tickets) values (${c.email}, ${c.name}, ${c.phone}, 1) on conflict do nothing returning *`;
    const [ticket] = await tx`insert into tickets (subject, description, status, source, category, client_id)
      values (${`Chat iniciado - ${c.name}`}, ${`Chat iniciado em ${new Date().toLocaleString('pt-BR')}`}, 'OPEN', 'chat', 'Chat Support', ${client!.id}) returning *`;
    const [session] = await tx`insert into chat_sessions (id, client_id, ticket_id, ticket_created_at, user_name, user_email, user_phone, locale, resume_token_hash, last_seq)
      values (${randomUUID()}, ${client!.id}, ${ticket!.id}, now(), ${c.name}, ${c.email}, ${c.phone}, 'pt-BR', ${resumeToken}, 0) returning *`;
    await tx`insert into ticket_events (ticket_id, actor_type, actor_id, type, data)
      values (${ticket!.id}, 'client', ${client!.id}, 'ticket.created', ${tx.json({ source: 'chat', sessionId: session!.id })})`;
    return {
      sessionId: session!.id as string,
      resumeToken,
      ticketId: ticket!.id as string,
      ticketNumber: Number(ticket!.number),
      clientId: client!.id as string,
      returningClient: false,
    };
  });
}

/** A customer message as the raw baselines store it: one autocommitted INSERT, its seq counted by the caller. */
export async function rawMessageInsert(db: postgres.Sql, m: { sessionId: string; seq: number; body: string; clientMsgId: string }) {
  const [row] = await db`insert into chat_messages (session_id, seq, sender_type, sender_name, body, client_msg_id)
    values (${m.sessionId}, ${m.seq}, 'client', 'Bench', ${m.body}, ${m.clientMsgId}) returning *`;
  return row!;
}
