import { and, eq, sql } from 'drizzle-orm';
import type { TicketPriority } from '../../shared/tickets.js';
import type { Executor } from '../db/client.js';
import { chatSessions, tickets } from '../db/schema.js';

/**
 * SQL of a chat ticket's triage by the automations (tickets, read with their chat session):
 * escalation, the category found from keywords, and the state the assistant decides on.
 */

/** Escalates once: priority HIGH, `escalated`, `escalated_at`. Nothing when it already was. */
export async function markEscalated(
  ex: Executor,
  ticketId: string,
): Promise<{ escalatedAt: Date; priorityBefore: TicketPriority } | undefined> {
  const [before] = await ex.select({ priority: tickets.priority }).from(tickets).where(eq(tickets.id, ticketId));
  const [row] = await ex
    .update(tickets)
    .set({ priority: 'HIGH', escalated: true, escalatedAt: sql`now()` })
    .where(and(eq(tickets.id, ticketId), eq(tickets.escalated, false)))
    .returning({ escalatedAt: tickets.escalatedAt });
  if (!row || !before) return undefined;
  return { escalatedAt: row.escalatedAt ?? new Date(), priorityBefore: before.priority };
}

/** Sets the category only while it is still `from`; answers the ticket's update time, or nothing. */
export async function replaceCategory(ex: Executor, ticketId: string, from: string, to: string): Promise<Date | undefined> {
  const [row] = await ex
    .update(tickets)
    .set({ category: to })
    .where(and(eq(tickets.id, ticketId), eq(tickets.category, from)))
    .returning({ updatedAt: tickets.updatedAt });
  return row?.updatedAt;
}

/** What the assistant needs of a chat: whether people are on it, and who and where it is. */
export async function findChatTriage(ex: Executor, sessionId: string) {
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
}
