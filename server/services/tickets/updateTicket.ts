import type { Ticket } from '../../../shared/agentApi.js';
import type { TicketUpdateInput } from '../../../shared/agentSchemas.js';
import type { TicketChanges } from '../../../shared/events.js';
import type { AgentRow, TicketRow } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { chatSessionsRepository } from '../../repositories/chatSessions.js';
import { ticketsRepository } from '../../repositories/tickets.js';
import { statusTimestamps } from '../chat/closeChat.js';
import type { ServiceContext } from '../context.js';
import { inTicketTransaction, ticketFact } from '../ticketFacts.js';
import { announceAssignment, assignInTransaction } from './assignTicket.js';
import { toTicket } from './ticketViews.js';

const EDITABLE = ['status', 'priority', 'category'] as const;
type Editable = (typeof EDITABLE)[number];
type EditChanges = Pick<TicketChanges, Editable>;

/**
 * Changes status, priority, category or assignee. Each field that really changes is audited
 * in the same transaction with the agent as actor; the assignee changes through the one path
 * of assignments (`ticket.assigned`, assignTicket.ts). After commit the changes are announced
 * and the customers of the ticket's chats are told.
 */
export async function updateTicket(input: TicketUpdateInput, agent: AgentRow, ctx: ServiceContext): Promise<Ticket> {
  const outcome = await inTicketTransaction(ctx, async (tx, facts) => {
    const current = await ticketsRepository.lock(tx, input.id);
    if (!current) throw new AppError('NOT_FOUND', 'No such ticket');
    const changes = diff(current, input);
    let updated = current;
    if (Object.keys(changes).length > 0) {
      const row = await ticketsRepository.update(tx, input.id, {
        ...(changes.status ? statusTimestamps(input.status!) : {}),
        ...(changes.priority ? { priority: input.priority } : {}),
        ...(changes.category ? { category: input.category ?? null } : {}),
      });
      if (!row) throw new Error(`ticket ${input.id} vanished during its update`);
      updated = row;
      const event = { type: 'ticket.updated' as const, ticketId: row.id, ticketNumber: row.number, at: row.updatedAt.toISOString() };
      // One audit row per changed field, as agents' edits have always been kept.
      await facts.record(ticketFact.updated({ ...event, changes, actorId: agent.id }, { rowPerField: true }));
    }
    const assignment = input.assigneeId === undefined ? undefined : await assignInTransaction(tx, facts, updated, input.assigneeId, agent.id);
    const changed = Object.keys(changes).length > 0 || assignment !== undefined;
    return { changed, assignment, ticket: await ticketsRepository.findWithClient(tx, { id: input.id }) };
  });
  const ticket = outcome.ticket;
  if (!ticket) throw new Error(`ticket ${input.id} vanished during its update`);
  if (outcome.changed) await tellCustomers(ticket, ctx);
  if (outcome.assignment) await announceAssignment(outcome.assignment, ctx);
  return toTicket(ticket);
}

function diff(current: TicketRow, input: TicketUpdateInput): EditChanges {
  const changes: EditChanges = {};
  if (input.status !== undefined && input.status !== current.status) changes.status = { from: current.status, to: input.status };
  if (input.priority !== undefined && input.priority !== current.priority) changes.priority = { from: current.priority, to: input.priority };
  if (input.category !== undefined && input.category !== current.category) changes.category = { from: current.category, to: input.category };
  return changes;
}

/** After commit: the customers of the ticket's chats see its new status. */
async function tellCustomers(ticket: TicketRow, ctx: ServiceContext) {
  for (const sessionId of await chatSessionsRepository.listIdsOfTicket(ctx.db, ticket.id)) {
    ctx.customers.ticketUpdated(sessionId, { ticketNumber: ticket.number, status: ticket.status });
  }
}
