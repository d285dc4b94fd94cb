import type { Note } from '../../../shared/agentApi.js';
import type { TicketNoteInput } from '../../../shared/agentSchemas.js';
import type { AgentRow, TicketNoteRow } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { ticketNotesRepository } from '../../repositories/ticketNotes.js';
import { ticketsRepository } from '../../repositories/tickets.js';
import type { ServiceContext } from '../context.js';
import { inTicketTransaction, ticketFact } from '../ticketFacts.js';

/**
 * An agent's private note on a ticket: stored, audited and announced to agents' streams as
 * `note.created`. Deliberately nothing reaches the customer channel: notes are for agents only.
 */
export async function addNote(input: TicketNoteInput, agent: AgentRow, ctx: ServiceContext): Promise<Note> {
  return inTicketTransaction(ctx, async (tx, facts) => {
    const ticket = await ticketsRepository.findById(tx, input.id);
    if (!ticket) throw new AppError('NOT_FOUND', 'No such ticket');
    const note = toNote(await ticketNotesRepository.insert(tx, { ticketId: ticket.id, agentId: agent.id, body: input.body }));
    await facts.record(ticketFact.noteCreated({ type: 'note.created', ticketId: ticket.id, ticketNumber: ticket.number, at: note.createdAt, note }));
    return note;
  });
}

/** A note on the wire. */
export function toNote(row: TicketNoteRow): Note {
  return { id: row.id, ticketId: row.ticketId, agentId: row.agentId, body: row.body, createdAt: row.createdAt.toISOString() };
}
