import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { PREPARED_STATEMENT } from '../db/preparedStatement.js';
import { rowsOf } from '../db/rows.js';
import type { ChatMessageRow } from '../db/schema.js';
import { eventLogAppend, type LoggedEventRow } from './domainEvents.js';
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

/** A visitor's chat start, one of those `openForVisitors` writes in one statement. */
export interface VisitorIntake {
  records: ChatIntakeRecords;
  contact: { email: string; phone: string; name: string };
  firstMessage: BatchMessageRow | null;
  /** The `ticket.created` event, less what the statement decides (customer, number, time). */
  createdEvent: Record<string, unknown>;
  /** The first message's `message.created` event as the log keeps it, less the ticket's number. */
  messageEvent: Record<string, unknown> | null;
}

/** What `openForVisitors` wrote for one start. */
export interface OpenedVisitorChat {
  customer: IntakeCustomer;
  number: number;
  createdAt: Date;
  firstMessage: ChatMessageRow | null;
  /** The events it logged, in order (its ticket.created, then its first message's). */
  logged: LoggedEventRow[];
}

/** A start as the statement's `input` rows carry it (jsonb_to_recordset, INPUT_COLUMNS). */
function inputRow(ord: number, r: ChatIntakeRecords, firstMessage: BatchMessageRow | null, extra: Record<string, unknown>) {
  return {
    ord,
    ticketId: r.ticketId,
    subject: r.subject,
    description: r.description,
    category: r.category,
    sessionId: r.sessionId,
    userName: r.userName,
    userEmail: r.userEmail,
    userPhone: r.userPhone,
    locale: r.locale,
    resumeTokenHash: r.resumeTokenHash,
    verified: r.verified,
    lastSeq: r.lastSeq,
    offline: r.offline,
    customerMessages: r.customerMessages,
    eventData: r.eventData,
    messageId: firstMessage?.id ?? null,
    messageSenderName: firstMessage?.senderName ?? null,
    messageBody: firstMessage?.body ?? null,
    ...extra,
  };
}

const INPUT_COLUMNS = sql.raw(`"ord" int, "ticketId" uuid, "subject" text, "description" text, "category" text, "sessionId" uuid,
  "userName" text, "userEmail" text, "userPhone" text, "locale" text, "resumeTokenHash" text, "verified" boolean, "lastSeq" int,
  "offline" boolean, "customerMessages" int, "eventData" jsonb, "messageId" uuid, "messageSenderName" text, "messageBody" text,
  "email" text, "phone" text, "name" text, "createdEvent" jsonb, "messageEvent" jsonb,
  "clientId" uuid, "isReturning" boolean, "matchedBy" text`);

/**
 * The tickets, sessions, audit rows (and first messages) of chat starts, as CTEs of one
 * statement: one of each per row of `input` (the starts) that has its customer in `customer`
 * (columns ord, id, is_returning, matched_by). The foreign keys are checked at the end of the
 * statement, when all the rows exist. Tickets and sessions are stamped with the same now().
 */
function intakeRows(customer: SQL): SQL {
  return sql`ticket as (
      insert into tickets (id, subject, description, status, source, category, client_id, customer_messages, returning_client)
      select i."ticketId", i."subject", i."description", 'OPEN', 'chat', i."category", c.id, i."customerMessages", c.is_returning
      from input i join ${customer} c on c.ord = i.ord
      returning id, number, created_at
    ), session as (
      insert into chat_sessions (id, client_id, ticket_id, user_name, user_email, user_phone, locale, resume_token_hash, verified, matched_by, last_seq,
                                 offline, status, ended_at, ticket_created_at, first_customer_message_at)
      select i."sessionId", c.id, i."ticketId", i."userName", i."userEmail", i."userPhone", i."locale", i."resumeTokenHash", i."verified",
        c.matched_by, i."lastSeq", i."offline", case when i."offline" then 'closed' else 'active' end, case when i."offline" then now() end,
        now(), case when i."customerMessages" > 0 then now() end
      from input i join ${customer} c on c.ord = i.ord
      returning 1
    ), audit as (
      insert into ticket_events (ticket_id, actor_type, actor_id, type, data)
      select i."ticketId", 'client', c.id, 'ticket.created', i."eventData" || jsonb_build_object('returningClient', c.is_returning, 'matchedBy', c.matched_by)
      from input i join ${customer} c on c.ord = i.ord
      returning 1
    ), message as (
      insert into chat_messages (id, session_id, seq, sender_type, sender_name, body)
      select i."messageId", i."sessionId", 1, 'client', i."messageSenderName", i."messageBody"
      from input i join ${customer} c on c.ord = i.ord
      where i."messageId" is not null
      returning ${MESSAGE_COLUMNS}
    )`;
}

/**
 * Each visitor's customer, as CTEs after `input`: found by e-mail, else phone (`found`), else
 * inserted; `chosen` (ord, id, is_returning, matched_by, counted) says which, and `counted`
 * counts one ticket more on each customer found. An e-mail inserted meanwhile by another
 * transaction is counted by the insert.
 * Each lookup is a lateral `limit 1`, so the plan probes clients_email_key and clients_phone_key
 * once per start. Written as one `email = … or phone = …`, the plan was a bitmap OR that could
 * take the trigram indexes instead (they answer `=` too, and look nearly free to the planner
 * until a vacuum has counted their entries): a millisecond a start on a fresh database, growing
 * with the customers added since (tests/chat-intake-plan.test.ts). The found customers are
 * counted by key too (`= any(array[k.id])`, which no hash join can use): `id = any(array(select
 * …))` became, in a plan made on a handful of customers, a read of every customer per start.
 */
const VISITOR_CUSTOMERS = sql.raw(`found as (
      select i.ord, e.id as by_email, p.id as by_phone
      from input i
      left join lateral (select id from clients where email = i.email limit 1) e on true
      left join lateral (select id from clients where phone = i.phone limit 1) p on true
    ), inserted as (
      insert into clients as c (email, name, phone, total_tickets)
      select i.email, i.name, i.phone, 1 from input i join found f on f.ord = i.ord where f.by_email is null and f.by_phone is null
      on conflict (email) do update set total_tickets = c.total_tickets + 1, updated_at = now()
      returning id, email, xmax = 0 as created
    ), chosen as (
      select i.ord, coalesce(f.by_email, f.by_phone, n.id) as id, m.matched_by, m.matched_by <> 'new' as is_returning, n.id is not null as counted
      from input i join found f on f.ord = i.ord left join inserted n on n.email = i.email
      cross join lateral (select case when f.by_email is not null then 'email' when f.by_phone is not null then 'phone'
        when n.created then 'new' else 'email' end as matched_by) m
    ), counted as (
      update clients c set total_tickets = c.total_tickets + k.tickets, updated_at = now()
      from (select id, count(*) as tickets from chosen where not counted group by id) k
      where c.id = any(array[k.id])
      returning 1`);

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
    const row = inputRow(0, r, firstMessage, { clientId: customer.id, isReturning: customer.returning, matchedBy: customer.matchedBy });
    const result = await ex.execute(sql`
    with input as (
      select * from jsonb_to_recordset(${JSON.stringify([row])}::jsonb) as i(${INPUT_COLUMNS})
    ), ${intakeRows(sql`(select ord, "clientId" as id, "isReturning" as is_returning, "matchedBy" as matched_by from input)`)}
    select t.number, floor(extract(epoch from t.created_at) * 1000)::int8 as ticket_created_ms, m.*
    from ticket t left join message m on true`);
    const [raw] = rowsOf<{ number: number | string; ticket_created_ms: number | string | bigint } & Partial<RawMessage>>(result);
    if (!raw) throw new Error('chat intake insert returned nothing');
    return { number: Number(raw.number), createdAt: new Date(Number(raw.ticket_created_ms)), firstMessage: messageOf(raw) };
  },

  /**
   * Visitors' chat starts (no two with the same e-mail or phone), as ONE statement outside any
   * transaction (a statement is its own transaction): each customer found by e-mail, else
   * phone, else created (counted one ticket more when found; a visitor's claim never writes
   * anything else on it), the intake's rows, and the event log's append, whose payloads get
   * here what only the statement knows. One round trip instead of four (BEGIN, the customers,
   * the rows, the append with COMMIT), and one commit under the log's lock for all of them.
   * A customer inserted meanwhile by another transaction is met by the insert's ON CONFLICT:
   * the same e-mail, it is counted as found by e-mail; the same phone only, the unique
   * violation fails the statement, which wrote nothing, and the caller runs it again.
   * The append comes last, as in every transaction that logs (repositories/domainEvents.ts):
   * its insert reads every other part of the statement before it takes the log's lock.
   */
  async openForVisitors(ex: Executor, intakes: VisitorIntake[]): Promise<OpenedVisitorChat[]> {
    const rows = intakes.map((intake, ord) =>
      inputRow(ord, intake.records, intake.firstMessage, {
        ...intake.contact,
        createdEvent: intake.createdEvent,
        messageEvent: intake.messageEvent,
      }),
    );
    const events = intakes.length + intakes.filter((intake) => intake.messageEvent).length;
    const result = await ex.execute(sql`${PREPARED_STATEMENT}
    with input as (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as i(${INPUT_COLUMNS})
    ), ${VISITOR_CUSTOMERS}
    ), ${intakeRows(sql`chosen`)}, ${eventLogAppend(
      events,
      sql`select i.ord * 2 as ord, t.id as ticket_id, 'ticket.created' as type, null::uuid as message_id,
          i."createdEvent" || jsonb_build_object('clientId', c.id, 'returningClient', c.is_returning, 'matchedBy', c.matched_by, 'ticketNumber', t.number,
            'at', to_char(date_trunc('milliseconds', t.created_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) as payload
        from input i join chosen c on c.ord = i.ord join ticket t on t.id = i."ticketId"
        union all
        select i.ord * 2 + 1, t.id, 'message.created', m.id, i."messageEvent" || jsonb_build_object('ticketNumber', t.number)
        from input i join ticket t on t.id = i."ticketId" join message m on m.id = i."messageId"`,
      ['counted', 'ticket', 'session', 'audit', 'message'],
    )}
    select i.ord, c.id as client_id, c.is_returning, c.matched_by, t.number, floor(extract(epoch from t.created_at) * 1000)::int8 as ticket_created_ms,
      (select json_agg(json_build_object('position', l.position, 'payload', l.payload) order by l.position) from logged l where l.ticket_id = t.id) as logged, m.*
    from input i join chosen c on c.ord = i.ord join ticket t on t.id = i."ticketId" left join message m on m.id = i."messageId"
    order by i.ord`);
    const opened = rowsOf<OpenedRow>(result);
    if (opened.length !== intakes.length) throw new Error(`the intake statement opened ${opened.length} of ${intakes.length} chats`);
    return opened.map(toOpenedChat);
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

/** A start's row of the intake statement, with the events it logged. */
function toOpenedChat(row: OpenedRow): OpenedVisitorChat {
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
}

/** The first message's columns of a row (left-joined: null when the start had none). */
function messageOf(row: Partial<RawMessage>): ChatMessageRow | null {
  return row.id ? toMessageRow(row as RawMessage) : null;
}
