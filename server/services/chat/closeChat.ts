import type { CloseReason } from '../../../shared/chat.js';
import type { FieldChange } from '../../../shared/events.js';
import type { TicketStatus } from '../../../shared/tickets.js';
import type { Transaction } from '../../db/client.js';
import type { TicketRow } from '../../db/schema.js';
import { chatSessionsRepository } from '../../repositories/chatSessions.js';
import { ticketsRepository } from '../../repositories/tickets.js';
import type { ServiceContext } from '../context.js';
import { inTicketTransaction, ticketFact, type TicketFacts } from '../ticketFacts.js';
import type { ChatRef } from './chatRef.js';

export interface ChatCloser {
  reason: CloseReason;
  actorType: 'client' | 'agent' | 'system';
  actorId?: string;
  /** Free text the closer gave, kept in the audit trail. */
  note?: string;
}

/**
 * Ends a chat once: the session closes, the ticket takes the status the policy gives it
 * (resolved by default), both audited in the same transaction and announced after it.
 * Closing a closed chat is a no-op.
 */
export async function closeChat(
  chat: ChatRef,
  closer: ChatCloser,
  ctx: ServiceContext,
): Promise<{ status: 'closed'; changed: boolean }> {
  const changed = await inTicketTransaction(ctx, async (tx, facts) => {
    const session = await chatSessionsRepository.close(tx, chat.sessionId, closer.reason);
    if (!session) return false;
    await recordChatEnd(tx, facts, chat, closer, session.endedAt ?? new Date(), ctx);
    return true;
  });
  if (changed) ctx.customers.closed(chat.sessionId, closer.reason);
  return { status: 'closed', changed };
}

type EndedChat = Pick<ChatRef, 'sessionId' | 'ticketId' | 'ticketNumber'>;

/**
 * Inside the closing transaction: `chat.closed`, and the ticket's status on chat end
 * (`ticket.updated`), recorded as facts. The caller tells the session's sockets after commit.
 */
export async function recordChatEnd(
  tx: Transaction,
  facts: TicketFacts,
  chat: EndedChat,
  closer: ChatCloser,
  endedAt: Date,
  ctx: Pick<ServiceContext, 'policy'>,
): Promise<void> {
  const at = endedAt.toISOString();
  const base = { ticketId: chat.ticketId, ticketNumber: chat.ticketNumber, at };
  const closed = ticketFact.chatClosed({ type: 'chat.closed', ...base, sessionId: chat.sessionId, reason: closer.reason }, closer);
  const status = await applyStatusOnChatEnd(tx, chat.ticketId, ctx.policy.closeTicketOnChatEnd);
  await facts.record([
    closed,
    ...(status ? [ticketFact.updated({ type: 'ticket.updated', ...base, changes: { status } }, { cause: 'chat.closed' })] : []),
  ]);
}

async function applyStatusOnChatEnd(
  tx: Transaction,
  ticketId: string,
  target: TicketStatus | null,
): Promise<FieldChange<TicketStatus> | undefined> {
  if (!target) return undefined;
  const ticket = await ticketsRepository.findById(tx, ticketId);
  // A ticket an agent already closed is never reopened by the chat ending.
  if (!ticket || ticket.status === target || ticket.status === 'CLOSED') return undefined;
  await ticketsRepository.update(tx, ticketId, statusTimestamps(target));
  return { from: ticket.status, to: target };
}

/** The columns a status change sets: resolved_at and closed_at mark when it got there. */
export function statusTimestamps(status: TicketStatus): Partial<TicketRow> {
  const now = new Date();
  switch (status) {
    case 'RESOLVED':
      return { status, resolvedAt: now };
    case 'CLOSED':
      return { status, closedAt: now };
    default:
      return { status };
  }
}
