import type { Ticket } from '../../../shared/agentApi.js';
import type { TicketUpdateInput } from '../../../shared/agentSchemas.js';
import type { AgentRow, TicketRow } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { agentsRepository } from '../../repositories/agents.js';
import { ticketEventsRepository } from '../../repositories/ticketEvents.js';
import { chatSessionsRepository } from '../../repositories/chatSessions.js';
import { ticketsRepository } from '../../repositories/tickets.js';
import { statusTimestamps } from '../chat/closeChat.js';
import type { ServiceContext } from '../context.js';
import { toTicket } from './ticketViews.js';

const EDITABLE = ['status', 'priority', 'category', 'assigneeId'] as const;
type Editable = (typeof EDITABLE)[number];
export type TicketChanges = Partial<Record<Editable, { from: unknown; to: unknown }>>;

/**
 * Changes status, priority, category or assignee. Each field that really changes is audited
 * in the same transaction with the agent as actor; after commit the change is announced and
 * the customers of the ticket's chats are told.
 */
export async function updateTicket(input: TicketUpdateInput, agent: AgentRow, ctx: ServiceContext): Promise<Ticket> {
  const outcome = await ctx.db.transaction(async (tx) => {
    const current = await ticketsRepository.lock(tx, input.id);
    if (!current) throw new AppError('NOT_FOUND', 'No such ticket');
    const changes = diff(current, input);
    if (changes.assigneeId && input.assigneeId) {
      const assignee = await agentsRepository.findById(tx, input.assigneeId);
      if (!assignee || assignee.revokedAt) {
        throw new AppError('VALIDATION', 'Invalid input', { fields: { assigneeId: 'No such active agent' } });
      }
    }
    if (Object.keys(changes).length === 0) return { changes, ticket: await ticketsRepository.findWithClient(tx, { id: input.id }) };

    await ticketsRepository.update(tx, input.id, {
      ...(changes.status ? statusTimestamps(input.status!) : {}),
      ...(changes.priority ? { priority: input.priority } : {}),
      ...(changes.category ? { category: input.category ?? null } : {}),
      ...(changes.assigneeId ? { assigneeId: input.assigneeId ?? null } : {}),
    });
    await ticketEventsRepository.append(
      tx,
      Object.entries(changes).map(([field, change]) => ({
        ticketId: input.id,
        actorType: 'agent' as const,
        actorId: agent.id,
        type: 'ticket.updated',
        data: { changes: { [field]: change } },
      })),
    );
    return { changes, ticket: await ticketsRepository.findWithClient(tx, { id: input.id }) };
  });
  const ticket = outcome.ticket;
  if (!ticket) throw new Error(`ticket ${input.id} vanished during its update`);
  if (Object.keys(outcome.changes).length > 0) await announce(ticket, outcome.changes, agent, ctx);
  return toTicket(ticket);
}

function diff(current: TicketRow, input: TicketUpdateInput): TicketChanges {
  const changes: TicketChanges = {};
  for (const field of EDITABLE) {
    const next = input[field];
    if (next !== undefined && next !== current[field]) changes[field] = { from: current[field], to: next };
  }
  return changes;
}

async function announce(ticket: TicketRow, changes: TicketChanges, agent: AgentRow, ctx: ServiceContext) {
  ctx.bus.publish({
    type: 'ticket.updated',
    ticketId: ticket.id,
    ticketNumber: ticket.number,
    at: ticket.updatedAt.toISOString(),
    changes,
    actorId: agent.id,
  });
  for (const sessionId of await chatSessionsRepository.listIdsOfTicket(ctx.db, ticket.id)) {
    ctx.customers.ticketUpdated(sessionId, { ticketNumber: ticket.number, status: ticket.status });
  }
}
