import type { AgentRow } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { customerErasureRepository } from '../../repositories/customerErasure.js';
import { customersRepository } from '../../repositories/customers.js';
import { ticketsRepository } from '../../repositories/tickets.js';
import type { ServiceContext } from '../context.js';
import { inTicketTransaction, ticketFact } from '../ticketFacts.js';
import { countEndedChats } from '../agents/openChats.js';

/** What replaces every erased name, e-mail, phone and message body. */
export const ERASED = '[removido]';

/** Identifiers this short would wreck unrelated words if replaced inside texts. */
const SHORTEST_IDENTIFIER = 3;

/**
 * `clients.erase` (PROTOCOL §9, LGPD Art. 18 VI): in one transaction, the customer's name,
 * e-mail and phone and every message body it wrote become a tombstone, everywhere they are
 * kept (tickets' subjects, agents' texts and notes, the audit trail, the mail outbox — unsent
 * e-mails are dropped — and the webhook log); its resume tokens and `/c/` links stop working
 * and its open chats end. Ticket numbers, counts and the customer's id stay. Each of its
 * tickets is audited (`client.erased`, by the admin). Erasing again is harmless.
 */
export async function eraseCustomer(
  id: string,
  admin: AgentRow,
  ctx: Pick<ServiceContext, 'db' | 'bus' | 'metrics' | 'customers' | 'logger'>,
): Promise<{ id: string; erasedAt: string }> {
  const { erasedAt, closedSessions } = await inTicketTransaction(ctx, async (tx, facts) => {
    const [customer] = await customersRepository.lockInIdOrder(tx, [id]);
    if (!customer) throw new AppError('NOT_FOUND', 'No such customer');
    const identifiers = (await customerErasureRepository.identifiersOf(tx, id))
      .filter((identifier) => identifier.length >= SHORTEST_IDENTIFIER && identifier !== ERASED)
      .sort((a, b) => b.length - a.length);
    const closedSessions = await customerErasureRepository.lockActiveSessions(tx, id);
    await customerErasureRepository.erase(tx, id, identifiers, ERASED);
    const at = new Date().toISOString();
    const tickets = await ticketsRepository.listRefsOfClient(tx, id);
    await facts.record(
      tickets.map((ticket) =>
        ticketFact.clientErased({ type: 'client.erased', ticketId: ticket.id, ticketNumber: ticket.number, at, clientId: id, actorId: admin.id }),
      ),
    );
    await countEndedChats(tx, closedSessions.map((session) => session.ticketId));
    return { erasedAt: at, closedSessions };
  });
  for (const { id: sessionId } of closedSessions) ctx.customers.closed(sessionId, 'agent');
  ctx.logger.info({ clientId: id, adminId: admin.id }, 'customer erased (LGPD)');
  return { id, erasedAt };
}
