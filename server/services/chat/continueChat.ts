import { randomUUID } from 'node:crypto';
import type { Message } from '../../../shared/chat.js';
import type { MessageSendInput } from '../../../shared/schemas.js';
import { AppError } from '../../errors.js';
import { agentsRepository } from '../../repositories/agents.js';
import { chatSessionsRepository } from '../../repositories/chatSessions.js';
import { messageBatchesRepository } from '../../repositories/messageBatches.js';
import { ticketsRepository } from '../../repositories/tickets.js';
import type { ServiceContext } from '../context.js';
import { messageRow } from '../messages/planMessageBatch.js';
import { issueResumeToken } from '../resumeTokens.js';
import { inTicketTransaction, ticketFact } from '../ticketFacts.js';
import type { AuthenticatedChat } from './authenticateChat.js';
import type { ChatRef } from './chatRef.js';
import { statusTimestamps } from './closeChat.js';
import { toMessage } from './messageView.js';
import { messageCreatedEvent, postMessage, type Delivery } from './postMessage.js';

/**
 * A customer's message (`message:send`, `POST /api/chat`). Into the chat it was authenticated
 * for; when that chat has ended and was opened by a `/c/` link, the message opens a new session
 * of the same ticket instead (PROTOCOL §9). Answers the chat the message went into, which the
 * transport attaches to from then on.
 */
export async function sendCustomerMessage(
  authenticated: Pick<AuthenticatedChat, 'chat' | 'continuable'>,
  input: MessageSendInput,
  ctx: ServiceContext,
  delivery: Delivery = {},
): Promise<{ chat: ChatRef; message: Message }> {
  const { chat } = authenticated;
  try {
    const { message } = await postMessage(chat, { type: 'client', name: chat.customerName }, input, ctx, delivery);
    return { chat, message };
  } catch (error) {
    if (!authenticated.continuable || !(error instanceof AppError) || error.code !== 'CLOSED') throw error;
    return continueChat(chat, input, ctx, delivery);
  }
}

/**
 * In one transaction, under the ticket's lock (two sends at once open one session): a new
 * session of the ticket holding the message as its first, the ticket reopened when it was not
 * OPEN (audited, cause `chat.continued`). When the ticket's latest session is already an open
 * one, the message simply goes there.
 */
async function continueChat(chat: ChatRef, input: MessageSendInput, ctx: ServiceContext, delivery: Delivery): Promise<{ chat: ChatRef; message: Message }> {
  const author = { type: 'client' as const, name: chat.customerName };
  const outcome = await inTicketTransaction(ctx, async (tx, facts) => {
    const ticket = await ticketsRepository.lock(tx, chat.ticketId);
    const latest = await chatSessionsRepository.findLatestOfTicket(tx, chat.ticketId);
    if (!ticket || !latest) throw new AppError('NOT_FOUND', 'No such chat');
    if (latest.status === 'active') return { kind: 'open' as const, sessionId: latest.id };
    const sessionId = randomUUID();
    await chatSessionsRepository.insertContinuation(tx, latest, {
      id: sessionId,
      resumeTokenHash: issueResumeToken(sessionId).hash,
      lastSeq: 1,
      opensWithCustomerMessage: true,
    });
    const [row] = await messageBatchesRepository.insertMany(tx, [messageRow(sessionId, 1, author, input.body, input.clientMsgId)]);
    await messageBatchesRepository.countCustomerMessages(tx, new Map([[chat.ticketId, 1]]));
    if (ticket.status !== 'OPEN') {
      await ticketsRepository.update(tx, ticket.id, statusTimestamps('OPEN'));
      await facts.record(
        ticketFact.updated(
          { type: 'ticket.updated', ticketId: ticket.id, ticketNumber: ticket.number, at: new Date().toISOString(), changes: { status: { from: ticket.status, to: 'OPEN' } } },
          { cause: 'chat.continued' },
        ),
      );
    }
    // Not audited (a customer's message), but announced and logged like every message.
    facts.recorded({ event: messageCreatedEvent({ sessionId, ticketId: ticket.id, ticketNumber: ticket.number }, toMessage(row!)), audit: [] });
    // The new session is an open chat of whoever holds the ticket (locked above: nobody else meanwhile).
    if (ticket.assigneeId) await agentsRepository.addOpenChats(tx, new Map([[ticket.assigneeId, 1]]));
    return { kind: 'created' as const, sessionId, row: row! };
  });

  if (outcome.kind === 'open') {
    const open = { ...chat, sessionId: outcome.sessionId };
    const { message } = await postMessage(open, author, input, ctx, delivery);
    return { chat: open, message };
  }
  const continued = { ...chat, sessionId: outcome.sessionId };
  const message = toMessage(outcome.row);
  ctx.customers.message(continued.sessionId, message, delivery.notTo);
  return { chat: continued, message };
}
