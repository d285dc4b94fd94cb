import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { tickets, type TicketRow } from '../db/schema.js';

export type NewTicket = typeof tickets.$inferInsert;

/** SQL for the `tickets` table. */
export const ticketsRepository = {
  async insert(ex: Executor, values: NewTicket): Promise<TicketRow> {
    const [row] = await ex.insert(tickets).values(values).returning();
    if (!row) throw new Error('ticket insert returned nothing');
    return row;
  },

  async findById(ex: Executor, id: string): Promise<TicketRow | undefined> {
    const [row] = await ex.select().from(tickets).where(eq(tickets.id, id));
    return row;
  },

  async findByNumber(ex: Executor, number: number): Promise<TicketRow | undefined> {
    const [row] = await ex.select().from(tickets).where(eq(tickets.number, number));
    return row;
  },

  async update(ex: Executor, id: string, values: Partial<NewTicket>): Promise<TicketRow | undefined> {
    const [row] = await ex.update(tickets).set(values).where(eq(tickets.id, id)).returning();
    return row;
  },
};

/** Marks the first agent response; later ones leave it as it is. */
export async function markFirstResponse(ex: Executor, ticketId: string): Promise<void> {
  await ex
    .update(tickets)
    .set({ firstResponseAt: sql`now()` })
    .where(and(eq(tickets.id, ticketId), isNull(tickets.firstResponseAt)));
}
