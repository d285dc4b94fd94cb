import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { tickets } from '../db/schema.js';

/** A reporting range over tickets' creation time; either end may be open. */
export interface TimeRange {
  /** Inclusive, ISO-8601. */
  from?: string;
  /** Exclusive, ISO-8601. */
  to?: string;
}

/**
 * Created in the range: a walk of tickets_created_at_reports_idx, or, given a session's
 * `ticket_created_at`, of chat_sessions_ticket_created_at_idx.
 */
export function createdIn(range: TimeRange, alias: SQLWrapper = tickets.createdAt): SQL {
  const from = range.from ? sql`${alias} >= ${range.from}::timestamptz` : sql`true`;
  const to = range.to ? sql`${alias} < ${range.to}::timestamptz` : sql`true`;
  return sql`${from} and ${to}`;
}

/**
 * The chat sessions (`s`) of the tickets created in the range, found by their ticket's creation
 * time: chat sessions only ever belong to chat tickets (a chat opens its ticket, and a ticket's
 * source never changes), so no join to tickets is needed.
 */
export const sessionsOfRange = (range: TimeRange): SQL => createdIn(range, sql`s.ticket_created_at`);

/**
 * A chat session's (`s`) first response in ms: from its first customer message to the first
 * agent message after it (null while none), both kept on the session by the message writes.
 */
export const responseMs = sql`extract(epoch from (s.first_agent_reply_at - s.first_customer_message_at)) * 1000`;

/** A figure in ms as the API answers it: whole, or null. */
export const roundedMs = (value: unknown): number | null => (value === null || value === undefined ? null : Math.round(Number(value)));
