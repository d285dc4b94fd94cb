import type { TicketDetail } from '../../../shared/agentApi.js';
import type { TicketRefInput } from '../../../shared/agentSchemas.js';
import { AppError } from '../../errors.js';
import { customersRepository } from '../../repositories/customers.js';
import { ticketEventsRepository } from '../../repositories/ticketEvents.js';
import { ticketNotesRepository } from '../../repositories/ticketNotes.js';
import { chatSessionsRepository } from '../../repositories/chatSessions.js';
import { ticketsRepository } from '../../repositories/tickets.js';
import type { ServiceContext } from '../context.js';
import { toClient } from '../customers/customerView.js';
import { suggestionsOf } from '../customers/contactSuggestions.js';
import { toNote } from './addNote.js';
import { toSessionSummary, toTicket, toTicketEvent } from './ticketViews.js';

/** A ticket by id or number, with its customer, its chat sessions, its audit trail and agents' notes. */
export async function getTicket(ref: TicketRefInput, ctx: ServiceContext): Promise<TicketDetail> {
  const row = await ticketsRepository.findWithClient(ctx.db, ref);
  if (!row) throw new AppError('NOT_FOUND', 'No such ticket');
  const [client, sessions, events, notes] = await Promise.all([
    customersRepository.findById(ctx.db, row.clientId),
    chatSessionsRepository.listOfTicket(ctx.db, row.id),
    ticketEventsRepository.listForTicket(ctx.db, row.id),
    ticketNotesRepository.listForTicket(ctx.db, row.id),
  ]);
  if (!client) throw new Error(`ticket ${row.id} has no client row`);
  return {
    ...toTicket(row),
    client: toClient(client),
    chatSessions: sessions.map(toSessionSummary),
    suggestions: sessions.flatMap((session) => suggestionsOf(session, client)),
    events: events.map(toTicketEvent),
    notes: notes.map(toNote),
  };
}
