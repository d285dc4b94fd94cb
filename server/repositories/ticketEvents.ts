import { asc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { ticketEvents, type TicketEventRow } from '../db/schema.js';

export type NewTicketEvent = typeof ticketEvents.$inferInsert;

/** SQL for the append-only audit trail. */
export const ticketEventsRepository = {
  /**
   * Appends the rows in order (their ids ascending). The rows go as one jsonb parameter: one
   * statement text whatever their number (a routing pass writes many), prepared once per connection.
   */
  async append(ex: Executor, events: NewTicketEvent | NewTicketEvent[]): Promise<void> {
    const rows = Array.isArray(events) ? events : [events];
    if (rows.length === 0) return;
    await ex.execute(sql`
      insert into ticket_events (ticket_id, actor_type, actor_id, type, data, created_at)
      select (e.value->>'ticketId')::uuid, e.value->>'actorType', (e.value->>'actorId')::uuid, e.value->>'type',
        coalesce(e.value->'data', '{}'::jsonb), coalesce((e.value->>'createdAt')::timestamptz, now())
      from jsonb_array_elements(${JSON.stringify(rows)}::jsonb) with ordinality as e(value, ord)
      order by e.ord`);
  },

  async listForTicket(ex: Executor, ticketId: string): Promise<TicketEventRow[]> {
    return ex
      .select()
      .from(ticketEvents)
      .where(eq(ticketEvents.ticketId, ticketId))
      .orderBy(asc(ticketEvents.id));
  },
};
