import type { Client } from '../../../shared/agentApi.js';
import type { AgentRow } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { chatSessionsRepository } from '../../repositories/chatSessions.js';
import { customersRepository } from '../../repositories/customers.js';
import { ticketsRepository } from '../../repositories/tickets.js';
import type { ServiceContext } from '../context.js';
import { inTicketTransaction, ticketFact } from '../ticketFacts.js';
import { toClient } from './customerView.js';

/**
 * Merges two records of one person, in one transaction: every ticket and chat of the source
 * moves to the target, the ticket counts add up, the target's empty e-mail, phone and name
 * are filled from the source, the source is deleted, and each moved ticket is audited. Which
 * of the target's tickets are a returning customer's is worked out again (reports count them).
 */
export async function mergeCustomers(
  input: { sourceId: string; targetId: string },
  agent: AgentRow,
  ctx: ServiceContext,
): Promise<Client> {
  const { target, moved } = await inTicketTransaction(ctx, async (tx, facts) => {
    const locked = await customersRepository.lockInIdOrder(tx, [input.sourceId, input.targetId]);
    const source = locked.find((client) => client.id === input.sourceId);
    const target = locked.find((client) => client.id === input.targetId);
    if (!source) throw new AppError('NOT_FOUND', 'No such customer (source)');
    if (!target) throw new AppError('NOT_FOUND', 'No such customer (target)');

    const moved = await ticketsRepository.moveToClient(tx, source.id, target.id);
    await ticketsRepository.markReturning(tx, target.id);
    const sessionsMoved = await chatSessionsRepository.moveToClient(tx, source.id, target.id);
    // Deleted before its e-mail and phone are given to the target: both are unique.
    await customersRepository.delete(tx, source.id);
    const merged = await customersRepository.absorb(tx, target.id, source);
    const at = new Date().toISOString();
    await facts.record(
      moved.map((ticket) =>
        ticketFact.clientsMerged(
          { ticketId: ticket.id, ticketNumber: ticket.number, at },
          { agentId: agent.id, source, targetId: target.id, ticketsMoved: moved.length, chatSessionsMoved: sessionsMoved },
        ),
      ),
    );
    return { target: merged, moved };
  });

  ctx.logger.info({ sourceId: input.sourceId, targetId: input.targetId, tickets: moved.length }, 'customers merged');
  return toClient(target);
}
