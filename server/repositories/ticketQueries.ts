import { and, asc, desc, eq, ilike, lt, or, sql, type SQL } from 'drizzle-orm';
import type { TicketSource, TicketStatus } from '../../shared/tickets.js';
import type { Executor } from '../db/client.js';
import { chatSessions, clients, tickets, type ChatSessionRow, type TicketRow } from '../db/schema.js';

export interface TicketFilters {
  source?: TicketSource;
  status?: TicketStatus;
  clientId?: string;
  assigneeId?: string;
  /**
   * Free text: a case-insensitive substring of the subject, customer name or e-mail, or the
   * ticket number when it is one; `#123` is that ticket number only.
   */
  q?: string;
  /** Only tickets numbered below this one (the keyset cursor). */
  beforeNumber?: number;
  /** Unset: every matching ticket. */
  limit?: number;
}

export interface ClientBrief {
  id: string;
  name: string | null;
  email: string | null;
  phone: string | null;
}

export type TicketWithClient = TicketRow & { client: ClientBrief };

export type SessionWithCount = Pick<
  ChatSessionRow,
  'id' | 'ticketId' | 'status' | 'startedAt' | 'endedAt' | 'verified' | 'matchedBy' | 'userName' | 'userEmail' | 'userPhone'
> & {
  messageCount: number;
};

const clientBrief = { id: clients.id, name: clients.name, email: clients.email, phone: clients.phone };

/** `\`, `%` and `_` stand for themselves in the free-text search. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, '\\$&')}%`;
}

function freeText(q: string): SQL | undefined {
  // `#123` means that ticket: the unique index answers it without scanning.
  const hashed = /^#(\d{1,9})$/.exec(q)?.[1];
  if (hashed) return eq(tickets.number, Number(hashed));
  const pattern = likePattern(q);
  const number = /^(\d{1,9})$/.exec(q)?.[1];
  return or(
    ilike(tickets.subject, pattern),
    ilike(clients.name, pattern),
    ilike(clients.email, pattern),
    number ? eq(tickets.number, Number(number)) : undefined,
  );
}

/**
 * Tickets newest first by number with their customer. The number is unique and only grows,
 * so `number < cursor` pages never repeat or skip a ticket, whatever is inserted meanwhile;
 * each filter has a `(column, number)` index to walk.
 */
export async function listTicketsWithClient(ex: Executor, filters: TicketFilters): Promise<TicketWithClient[]> {
  const conditions = [
    filters.source ? eq(tickets.source, filters.source) : undefined,
    filters.status ? eq(tickets.status, filters.status) : undefined,
    filters.clientId ? eq(tickets.clientId, filters.clientId) : undefined,
    filters.assigneeId ? eq(tickets.assigneeId, filters.assigneeId) : undefined,
    filters.q ? freeText(filters.q) : undefined,
    filters.beforeNumber !== undefined ? lt(tickets.number, filters.beforeNumber) : undefined,
  ];
  const query = ex
    .select({ ticket: tickets, client: clientBrief })
    .from(tickets)
    .innerJoin(clients, eq(clients.id, tickets.clientId))
    .where(and(...conditions))
    .orderBy(desc(tickets.number));
  const rows = filters.limit === undefined ? await query : await query.limit(filters.limit);
  return rows.map((row) => ({ ...row.ticket, client: row.client }));
}

/** One ticket, by id or number, with its customer's contact. */
export async function findTicketWithClient(
  ex: Executor,
  ref: { id: string } | { number: number },
): Promise<TicketWithClient | undefined> {
  const [row] = await ex
    .select({ ticket: tickets, client: clientBrief })
    .from(tickets)
    .innerJoin(clients, eq(clients.id, tickets.clientId))
    .where('id' in ref ? eq(tickets.id, ref.id) : eq(tickets.number, ref.number));
  return row ? { ...row.ticket, client: row.client } : undefined;
}

/** Locks the ticket row until the transaction ends, so concurrent changes diff against the truth. */
export async function lockTicket(ex: Executor, id: string): Promise<TicketRow | undefined> {
  const [row] = await ex.select().from(tickets).where(eq(tickets.id, id)).for('update');
  return row;
}

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
  // Spelled out: inside a one-table select Drizzle leaves column names unqualified.
  messageCount: sql<number>`(select count(*)::int from chat_messages m where m.session_id = "chat_sessions"."id")`,
};

/** The chat sessions of a ticket, oldest first, with how many messages each holds. */
export async function listSessionsOfTicket(ex: Executor, ticketId: string): Promise<SessionWithCount[]> {
  return ex
    .select(sessionWithCount)
    .from(chatSessions)
    .where(eq(chatSessions.ticketId, ticketId))
    .orderBy(asc(chatSessions.startedAt), asc(chatSessions.id));
}

/** The chat sessions of a customer, newest first, with how many messages each holds. */
export async function listSessionsOfClient(ex: Executor, clientId: string): Promise<SessionWithCount[]> {
  return ex
    .select(sessionWithCount)
    .from(chatSessions)
    .where(eq(chatSessions.clientId, clientId))
    .orderBy(desc(chatSessions.startedAt), desc(chatSessions.id));
}

/** The most recent chat session of a ticket: the one agents reply into. */
export async function findLatestSessionOfTicket(ex: Executor, ticketId: string): Promise<ChatSessionRow | undefined> {
  const [row] = await ex
    .select()
    .from(chatSessions)
    .where(eq(chatSessions.ticketId, ticketId))
    .orderBy(desc(chatSessions.startedAt), desc(chatSessions.id))
    .limit(1);
  return row;
}

/** Ids of the chat sessions of a ticket (to tell their customers about a change). */
export async function listSessionIdsOfTicket(ex: Executor, ticketId: string): Promise<string[]> {
  const rows = await ex.select({ id: chatSessions.id }).from(chatSessions).where(eq(chatSessions.ticketId, ticketId));
  return rows.map((row) => row.id);
}
