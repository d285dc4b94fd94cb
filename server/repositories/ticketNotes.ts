import { asc, eq } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { ticketNotes, type TicketNoteRow } from '../db/schema.js';

export type NewTicketNote = typeof ticketNotes.$inferInsert;

/** SQL for agents' private notes (append-only). */
export const ticketNotesRepository = {
  async insert(ex: Executor, values: NewTicketNote): Promise<TicketNoteRow> {
    const [row] = await ex.insert(ticketNotes).values(values).returning();
    if (!row) throw new Error('note insert returned nothing');
    return row;
  },

  /** Oldest first (ticket_notes_ticket_created_idx). */
  async listForTicket(ex: Executor, ticketId: string): Promise<TicketNoteRow[]> {
    return ex
      .select()
      .from(ticketNotes)
      .where(eq(ticketNotes.ticketId, ticketId))
      .orderBy(asc(ticketNotes.createdAt), asc(ticketNotes.id));
  },
};
