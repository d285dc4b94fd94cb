import type { Client } from '../../../shared/agentApi.js';
import type { AcceptSuggestionInput } from '../../../shared/agentSchemas.js';
import type { AgentRow } from '../../db/schema.js';
import { AppError, isUniqueViolation } from '../../errors.js';
import { chatSessionsRepository } from '../../repositories/chatSessions.js';
import { customersRepository } from '../../repositories/customers.js';
import type { ServiceContext } from '../context.js';
import { inTicketTransaction, ticketFact } from '../ticketFacts.js';
import { toClient } from './customerView.js';
import { typedValue } from './contactSuggestions.js';

const FIELD_WORDS = { name: 'name', email: 'e-mail', phone: 'phone' } as const;

/**
 * An agent accepts a contact suggestion (PROTOCOL §7): what an unverified chat's visitor typed
 * becomes the customer's name, e-mail or phone — only while the customer still lacks it, and
 * audited on the chat's ticket in the same transaction.
 */
export async function acceptSuggestion(input: AcceptSuggestionInput, agent: AgentRow, ctx: ServiceContext): Promise<Client> {
  const client = await inTicketTransaction(ctx, async (tx, facts) => {
    const session = await chatSessionsRepository.findWithTicketNumber(tx, input.sessionId);
    if (!session) throw new AppError('NOT_FOUND', 'No such chat session');
    const word = FIELD_WORDS[input.field];
    if (session.verified) {
      throw new AppError('CONFLICT', `Nothing to accept: a verified chat fills the customer's ${word} itself`);
    }
    const value = typedValue(session, input.field);
    const client = await fillOrRefuse(() => customersRepository.fillContactField(tx, session.clientId, input.field, value), word);
    // The update only writes an empty field: nothing back means the suggestion went stale.
    if (!client) throw new AppError('CONFLICT', `No longer suggested: the customer already has a ${word} on file`);
    await facts.record(
      ticketFact.suggestionAccepted(
        { ticketId: session.ticketId, ticketNumber: session.ticketNumber, at: new Date().toISOString() },
        { agentId: agent.id, sessionId: session.id, clientId: client.id, field: input.field, value },
      ),
    );
    return client;
  });
  return toClient(client);
}

async function fillOrRefuse<T>(fill: () => Promise<T>, word: string): Promise<T> {
  try {
    return await fill();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    throw new AppError('CONFLICT', `Another customer already has this ${word}; nothing was written (merge the customers instead)`, { cause: error });
  }
}
