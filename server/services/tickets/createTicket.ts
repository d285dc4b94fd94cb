import type { Ticket } from '../../../shared/agentApi.js';
import type { TicketCreateInput } from '../../../shared/agentSchemas.js';
import { toE164 } from '../../../shared/phone.js';
import type { AgentRow } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { ticketsRepository } from '../../repositories/tickets.js';
import type { ServiceContext } from '../context.js';
import { matchCustomer } from '../customers/matchCustomer.js';
import { inTicketTransaction, ticketFact } from '../ticketFacts.js';
import { toTicket } from './ticketViews.js';

/**
 * A ticket from another channel (e-mail, phone, web form, API), opened by an agent. The
 * customer is matched exactly as a chat's is, and counts one more ticket; audited, announced.
 */
export async function createTicket(input: TicketCreateInput, agent: AgentRow, ctx: ServiceContext): Promise<Ticket> {
  const phone = input.client.phone ? toE164(input.client.phone, ctx.policy.defaultPhoneRegion) : null;
  if (input.client.phone && !phone) {
    throw new AppError('VALIDATION', 'Invalid input', { fields: { 'client.phone': 'Enter a valid phone number' } });
  }

  const { ticket, client } = await inTicketTransaction(ctx, async (tx, facts) => {
    const matched = await matchCustomer(
      tx,
      { email: input.client.email ?? null, phone, name: input.client.name ?? null },
      'agent',
    );
    const inserted = await ticketsRepository.insert(tx, {
      subject: input.subject,
      description: input.description ?? '',
      status: 'OPEN',
      source: input.source,
      clientId: matched.client.id,
      returningClient: matched.returning,
    });
    await facts.record(
      ticketFact.created({
        type: 'ticket.created',
        ticketId: inserted.id,
        ticketNumber: inserted.number,
        at: inserted.createdAt.toISOString(),
        source: inserted.source,
        clientId: matched.client.id,
        subject: inserted.subject,
        returningClient: matched.returning,
        matchedBy: matched.matchedBy,
        actorId: agent.id,
      }),
    );
    return { ticket: inserted, client: matched.client };
  });
  return toTicket({ ...ticket, client });
}
