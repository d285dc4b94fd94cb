import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { PREPARED_STATEMENT } from '../db/preparedStatement.js';
import { rowsOf } from '../db/rows.js';
import type { ChatMessageRow } from '../db/schema.js';
import type { LoggedEventRow } from './domainEvents.js';
import type { BatchMessageRow } from './messageBatches.js';
import { MESSAGE_COLUMNS, toMessageRow, type RawMessage } from './messageRows.js';

/** What a chat start writes besides the customer: its ticket, session and audit row. */
export interface ChatIntakeRecords {
  ticketId: string;
  subject: string;
  description: string;
  category: string;
  sessionId: string;
  userName: string;
  userEmail: string;
  userPhone: string;
  locale: string;
  resumeTokenHash: string;
  verified: boolean;
  lastSeq: number;
  /** The offline form: the session is closed from the start (no live chat behind it). */
  offline: boolean;
  /**
   * The customer messages the intake writes (its first message, if any): the ticket's counter,
   * and the session's first customer message (written by this transaction, at its now()).
   */
  customerMessages: number;
  /** The `ticket.created` audit row's data (`returningClient` and `matchedBy` are the customer's, below). */
  eventData: Record<string, unknown>;
}

/** The intake's customer, as the caller found or created it. */
export interface IntakeCustomer {
  id: string;
  /** The customer had a ticket before this one (it existed). */
  returning: boolean;
  matchedBy: 'email' | 'phone' | 'new';
}

/** A visitor's chat start written in one statement (`openForVisitor`). */
export interface VisitorIntake {
  records: ChatIntakeRecords;
  contact: { email: string; phone: string; name: string };
  firstMessage: BatchMessageRow | null;
  /** The `ticket.created` event, less what the statement decides (customer, number, time). */
  createdEvent: Record<string, unknown>;
  /** The first message's `message.created` event as the log keeps it, less the ticket's number. */
  messageEvent: Record<string, unknown> | null;
}

/** What `openForVisitor` wrote. */
export interface OpenedVisitorChat {
  customer: IntakeCustomer;
  number: number;
  createdAt: Date;
  firstMessage: ChatMessageRow | null;
  /** The events it logged, in order (its ticket.created, then its first message's). */
  logged: LoggedEventRow[];
}

/**
 * The ticket, session, audit row (and first message) of a chat start, as CTEs of one statement:
 * inserted from the rows of `customer` (columns id, is_returning, matched_by), so a start with no
 * customer writes nothing. The foreign keys are checked at the end of the statement, when all
 * the rows exist. Ticket and session are stamped with the same now().
 */
function intakeRows(r: ChatIntakeRecords, firstMessage: BatchMessageRow | null, customer: SQL): SQL {
  const message = firstMessage
    ? sql`insert into chat_messages (id, session_id, seq, sender_type, sender_name, body)
          select ${firstMessage.id}::uuid, ${r.sessionId}::uuid, 1, ${firstMessage.senderType}, ${firstMessage.senderName}, ${firstMessage.body} from ${customer}
          returning ${MESSAGE_COLUMNS}`
    : sql`select ${MESSAGE_COLUMNS} from chat_messages where false`;
  return sql`ticket as (
      insert into tickets (id, subject, description, status, source, category, client_id, customer_messages, returning_client)
      select ${r.ticketId}::uuid, ${r.subject}, ${r.description}, 'OPEN', 'chat', ${r.category}, c.id, ${r.customerMessages}::int, c.is_returning
      from ${customer}
      returning number, created_at
    ), session as (
      insert into chat_sessions (id, client_id, ticket_id, user_name, user_email, user_phone, locale, resume_token_hash, verified, matched_by, last_seq,
                                 offline, status, ended_at, ticket_created_at, first_customer_message_at)
      select ${r.sessionId}::uuid, c.id, ${r.ticketId}::uuid, ${r.userName}, ${r.userEmail}, ${r.userPhone},
              ${r.locale}, ${r.resumeTokenHash}, ${r.verified}::boolean, c.matched_by, ${r.lastSeq}::int,
              ${r.offline}::boolean, ${r.offline ? 'closed' : 'active'}, ${r.offline ? sql`now()` : sql`null`},
              now(), ${r.customerMessages > 0 ? sql`now()` : sql`null`}
      from ${customer}
      returning 1
    ), audit as (
      insert into ticket_events (ticket_id, actor_type, actor_id, type, data)
      select ${r.ticketId}::uuid, 'client', c.id, 'ticket.created',
        ${JSON.stringify(r.eventData)}::jsonb || jsonb_build_object('returningClient', c.is_returning, 'matchedBy', c.matched_by)
      from ${customer}
      returning 1
    ), message as (
      ${message}
    )`;
}

/** SQL of the chat start. */
export const chatIntakeRepository = {
  /**
   * Opens the chat ticket, its session and the audit row (and stores the first message) for a
   * customer the transaction already found or created, in one statement: one round trip, one
   * statement to build instead of three Drizzle inserts (building them was a fifth of the node's
   * CPU per chat start). Answers the ticket's number and creation time, and the first message.
   */
  async insert(
    ex: Executor,
    r: ChatIntakeRecords,
    customer: IntakeCustomer,
    firstMessage: BatchMessageRow | null,
  ): Promise<{ number: number; createdAt: Date; firstMessage: ChatMessageRow | null }> {
    const given = sql`(select ${customer.id}::uuid as id, ${customer.returning}::boolean as is_returning, ${customer.matchedBy}::text as matched_by) c`;
    const result = await ex.execute(sql`
    with ${intakeRows(r, firstMessage, given)}
    select t.number, floor(extract(epoch from t.created_at) * 1000)::int8 as ticket_created_ms, m.*
    from ticket t left join message m on true`);
    const [row] = rowsOf<{ number: number | string; ticket_created_ms: number | string | bigint } & Partial<RawMessage>>(result);
    if (!row) throw new Error('chat intake insert returned nothing');
    return { number: Number(row.number), createdAt: new Date(Number(row.ticket_created_ms)), firstMessage: messageOf(row) };
  },

  /**
   * A visitor's chat start alone, as ONE statement outside any transaction (a statement is its
   * own transaction): the customer found by e-mail, else phone, else created (counted one ticket
   * more when found; a visitor's claim never writes anything else on it), the intake's rows,
   * and the event log's append, whose payloads get here what only the statement knows. One
   * round trip instead of four (BEGIN, the customer, the rows, the append with COMMIT): at one or
   * four chats at once, those round trips were most of a start's time and of the node's CPU.
   * The append comes last, as in every transaction that logs (repositories/domainEvents.ts):
   * its insert reads every other part of the statement before it takes the log's lock.
   * Answers nothing, having written nothing, when a concurrent start inserted this e-mail or
   * phone first (ON CONFLICT DO NOTHING waited for it): the caller runs it again.
   */
  async openForVisitor(ex: Executor, intake: VisitorIntake): Promise<OpenedVisitorChat | undefined> {
    const { records: r, contact } = intake;
    const events = intake.messageEvent ? 2 : 1;
    const chosen = sql`chosen c`;
    const result = await ex.execute(sql`${PREPARED_STATEMENT}
    with found as (
      select id, email, phone from clients where email = ${contact.email}::text or phone = ${contact.phone}::text
    ), inserted as (
      insert into clients (email, name, phone, total_tickets)
      select ${contact.email}::text, ${contact.name}::text, ${contact.phone}::text, 1
      where not exists (select 1 from found)
      on conflict do nothing
      returning id
    ), chosen as (
      select id, matched_by <> 'new' as is_returning, matched_by from (
        select id, 'email' as matched_by, 0 as rank from found where email = ${contact.email}::text
        union all select id, 'phone', 1 from found where phone = ${contact.phone}::text
        union all select id, 'new', 2 from inserted
      ) m order by rank limit 1
    ), counted as (
      update clients set total_tickets = total_tickets + 1, updated_at = now()
      where id = (select id from chosen where is_returning)
      returning 1
    ), ${intakeRows(r, intake.firstMessage, chosen)}, allocated as (
      insert into domain_event_positions as p (id, last)
      select 1, ${events}::int from ticket
      where (select count(*) from counted) + (select count(*) from session) + (select count(*) from audit) + (select count(*) from message) >= 0
      on conflict (id) do update set last = p.last + ${events}::int
      returning last
    ), logged as (
      insert into domain_events (position, ticket_id, type, message_id, payload)
      select a.last - ${events}::int + 1, ${r.ticketId}::uuid, 'ticket.created', null,
        ${JSON.stringify(intake.createdEvent)}::jsonb || jsonb_build_object('clientId', c.id, 'returningClient', c.is_returning, 'matchedBy', c.matched_by,
          'ticketNumber', t.number, 'at', to_char(date_trunc('milliseconds', t.created_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
      from allocated a, chosen c, ticket t
      union all
      select a.last, ${r.ticketId}::uuid, 'message.created', m.id, ${JSON.stringify(intake.messageEvent ?? {})}::jsonb || jsonb_build_object('ticketNumber', t.number)
      from allocated a, ticket t, message m
      returning position, payload
    )
    select c.id as client_id, c.is_returning, c.matched_by, t.number, floor(extract(epoch from t.created_at) * 1000)::int8 as ticket_created_ms,
      (select json_agg(json_build_object('position', l.position, 'payload', l.payload) order by l.position) from logged l) as logged, m.*
    from chosen c cross join ticket t left join message m on true`);
    const [row] = rowsOf<OpenedRow>(result);
    if (!row) return undefined;
    const firstMessage = messageOf(row);
    const logged = (typeof row.logged === 'string' ? (JSON.parse(row.logged) as LoggedJson[]) : row.logged).map((event) => ({
      position: Number(event.position),
      payload: event.payload,
      message: event.payload.type === 'message.created' ? firstMessage : null,
    }));
    return {
      customer: { id: row.client_id, returning: row.is_returning, matchedBy: row.matched_by },
      number: Number(row.number),
      createdAt: new Date(Number(row.ticket_created_ms)),
      firstMessage,
      logged,
    };
  },
};

type LoggedJson = { position: number | string; payload: Record<string, unknown> };

type OpenedRow = {
  client_id: string;
  is_returning: boolean;
  matched_by: IntakeCustomer['matchedBy'];
  number: number | string;
  ticket_created_ms: number | string | bigint;
  logged: LoggedJson[] | string;
} & Partial<RawMessage>;

/** The first message's columns of a row (left-joined: null when the start had none). */
function messageOf(row: Partial<RawMessage>): ChatMessageRow | null {
  return row.id ? toMessageRow(row as RawMessage) : null;
}
