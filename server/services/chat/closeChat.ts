import type { CloseReason } from '../../../shared/chat.js';
import type { TicketStatus } from '../../../shared/tickets.js';
import type { Transaction } from '../../db/client.js';
import type { TicketRow } from '../../db/schema.js';
import { chatSessionsRepository } from '../../repositories/chatSessions.js';
import { ticketEventsRepository } from '../../repositories/ticketEvents.js';
import { ticketsRepository } from '../../repositories/tickets.js';
import type { ServiceContext } from '../context.js';
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
 * (resolved by default), both audited in the same transaction. Closing a closed chat is a no-op.
 */
export async function closeChat(
  chat: ChatRef,
  closer: ChatCloser,
  ctx: ServiceContext,
): Promise<{ status: 'closed'; changed: boolean }> {
  const outcome = await ctx.db.transaction(async (tx) => {
    const session = await chatSessionsRepository.close(tx, chat.sessionId, closer.reason);
    if (!session) return undefined;
    return recordChatEnd(tx, chat, closer, session.endedAt ?? new Date(), ctx);
  });
  if (!outcome) return { status: 'closed', changed: false };
  announceChatEnd(chat, closer.reason, outcome, ctx);
  return { status: 'closed', changed: true };
}

export interface ChatEnd {
  endedAt: Date;
  statusChange: { from: TicketStatus; to: TicketStatus } | undefined;
}

type EndedChat = Pick<ChatRef, 'sessionId' | 'ticketId'>;

/** Inside the closing transaction: the audit row and the ticket's status on chat end. */
export async function recordChatEnd(
  tx: Transaction,
  chat: EndedChat,
  closer: ChatCloser,
  endedAt: Date,
  ctx: Pick<ServiceContext, 'policy'>,
): Promise<ChatEnd> {
  await ticketEventsRepository.append(tx, {
    ticketId: chat.ticketId,
    actorType: closer.actorType,
    actorId: closer.actorId ?? null,
    type: 'chat.closed',
    data: { sessionId: chat.sessionId, reason: closer.reason, ...(closer.note ? { note: closer.note } : {}) },
  });
  const statusChange = await applyStatusOnChatEnd(tx, chat.ticketId, ctx.policy.closeTicketOnChatEnd);
  return { endedAt, statusChange };
}

/** After commit: the session's sockets are told, and agents get `chat.closed` (and `ticket.updated`). */
export function announceChatEnd(
  chat: Pick<ChatRef, 'sessionId' | 'ticketId' | 'ticketNumber'>,
  reason: CloseReason,
  end: ChatEnd,
  ctx: ServiceContext,
): void {
  ctx.customers.closed(chat.sessionId, reason);
  const at = end.endedAt.toISOString();
  ctx.bus.publish({
    type: 'chat.closed',
    ticketId: chat.ticketId,
    ticketNumber: chat.ticketNumber,
    at,
    sessionId: chat.sessionId,
    reason,
  });
  if (end.statusChange) {
    ctx.bus.publish({
      type: 'ticket.updated',
      ticketId: chat.ticketId,
      ticketNumber: chat.ticketNumber,
      at,
      changes: { status: end.statusChange },
    });
  }
}

async function applyStatusOnChatEnd(
  tx: Transaction,
  ticketId: string,
  target: TicketStatus | null,
): Promise<{ from: TicketStatus; to: TicketStatus } | undefined> {
  if (!target) return undefined;
  const ticket = await ticketsRepository.findById(tx, ticketId);
  // A ticket an agent already closed is never reopened by the chat ending.
  if (!ticket || ticket.status === target || ticket.status === 'CLOSED') return undefined;
  await ticketsRepository.update(tx, ticketId, statusTimestamps(target));
  await ticketEventsRepository.append(tx, {
    ticketId,
    actorType: 'system',
    type: 'ticket.updated',
    data: { changes: { status: { from: ticket.status, to: target } }, cause: 'chat.closed' },
  });
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
