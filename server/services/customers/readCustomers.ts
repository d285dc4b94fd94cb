import type { Client, ClientHistory } from '../../../shared/agentApi.js';
import { toE164 } from '../../../shared/phone.js';
import type { CustomerRow } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { chatSessionsRepository } from '../../repositories/chatSessions.js';
import { customersRepository } from '../../repositories/customers.js';
import { ticketsRepository } from '../../repositories/tickets.js';
import type { ServiceContext } from '../context.js';
import { phoneDigitsOf } from '../searchTerms.js';
import { toSessionSummary, toTicketSummary } from '../tickets/ticketViews.js';
import { toClient } from './customerView.js';

async function requireClient(id: string, ctx: ServiceContext): Promise<CustomerRow> {
  const client = await customersRepository.findById(ctx.db, id);
  if (!client) throw new AppError('NOT_FOUND', 'No such customer');
  return client;
}

/** One customer by id. */
export async function getCustomer(id: string, ctx: ServiceContext): Promise<Client> {
  return toClient(await requireClient(id, ctx));
}

/** Customers matching an e-mail, a phone number (as typed, or some of its digits) or a name. */
export async function findCustomers(q: string, ctx: ServiceContext): Promise<Client[]> {
  const rows = await customersRepository.search(ctx.db, {
    text: q,
    phone: toE164(q, ctx.policy.defaultPhoneRegion),
    digits: phoneDigitsOf(q),
  });
  return rows.map(toClient);
}

/** Every ticket of every channel of a customer, and every chat, newest first. */
export async function getCustomerHistory(id: string, ctx: ServiceContext): Promise<ClientHistory> {
  const client = await requireClient(id, ctx);
  const [tickets, sessions] = await Promise.all([
    ticketsRepository.listWithClient(ctx.db, { clientId: id }),
    chatSessionsRepository.listOfClient(ctx.db, id),
  ]);
  return {
    client: toClient(client),
    tickets: tickets.map(toTicketSummary),
    chatSessions: sessions.map(toSessionSummary),
  };
}

/** Customers that may be the same person as this one (same name, other e-mail and phone). */
export async function findPossibleDuplicates(id: string, ctx: ServiceContext): Promise<Client[]> {
  const client = await requireClient(id, ctx);
  return (await customersRepository.findNamesakes(ctx.db, client)).map(toClient);
}
