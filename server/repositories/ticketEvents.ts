import { asc, eq } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { ticketEvents, type TicketEventRow } from '../db/schema.js';

export type NewTicketEvent = typeof ticketEvents.$inferInsert;

/** SQL for the append-only audit trail. */
export const ticketEventsRepository = {
  async append(ex: Executor, events: NewTicketEvent | NewTicketEvent[]): Promise<void> {
    const rows = Array.isArray(events) ? events : [events];
    if (rows.length > 0) await ex.insert(ticketEvents).values(rows);
  },

  async listForTicket(ex: Executor, ticketId: string): Promise<TicketEventRow[]> {
    return ex
      .select()
      .from(ticketEvents)
      .where(eq(ticketEvents.ticketId, ticketId))
      .orderBy(asc(ticketEvents.id));
  },
};
