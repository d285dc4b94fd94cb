import type { CloseReason } from '../../../shared/chat.js';
import type { FieldChange } from '../../../shared/events.js';
import type { TicketStatus } from '../../../shared/tickets.js';
import type { Transaction } from '../../db/client.js';
import type { TicketRow } from '../../db/schema.js';
import { chatSessionsRepository, type EndedSession } from '../../repositories/chatSessions.js';
import { ticketsRepository } from '../../repositories/tickets.js';
import type { ServiceContext } from '../context.js';
import { inTicketTransaction, ticketFact, type TicketFacts } from '../ticketFacts.js';
import { enqueueTranscript } from '../mail/transcripts.js';
import { countEndedChats } from '../agents/openChats.js';
import type { ChatRef } from './chatRef.js';

export interface ChatCloser {
  reason: CloseReason;
  actorType: 'client' | 'agent' | 'system';
  actorId?: string;
  /** Free text the closer gave, kept in the audit trail. */
  note?: string;
}

/**
 * Ends a chat once: the session closes, and — when an agent had answered it, or an agent ends
 * it — the ticket takes the status the policy gives it (resolved by default); a chat the visitor
 * leaves unanswered keeps its ticket open (`chat.abandoned`). Audited in the same transaction
 * and announced after it. Closing a closed chat is a no-op.
 */
export async function closeChat(
  chat: ChatRef,
  closer: ChatCloser,
  ctx: ServiceContext,
): Promise<{ status: 'closed'; changed: boolean }> {
  const changed = await inTicketTransaction(ctx, async (tx, facts) => {
    const session = await chatSessionsRepository.close(tx, chat.sessionId, closer.reason);
    if (!session) return false;
    await recordChatEnd(tx, facts, { ...session, ticketNumber: chat.ticketNumber }, closer, ctx);
    await countEndedChats(tx, [session.ticketId]);
    return true;
  });
  if (changed) ctx.customers.closed(chat.sessionId, closer.reason);
  if (changed && ctx.policy.transcriptOnClose) ctx.mail.wake();
  return { status: 'closed', changed };
}

/**
 * Inside the closing transaction: `chat.closed`, then either the ticket's status on chat end
 * (`ticket.updated`) or, for a chat the visitor left with no agent reply, `chat.abandoned` and
 * no status change — recorded as facts. The caller tells the session's sockets after commit.
 */
export async function recordChatEnd(
  tx: Transaction,
  facts: TicketFacts,
  session: EndedSession & { ticketNumber: number },
  closer: ChatCloser,
  ctx: Pick<ServiceContext, 'policy' | 'mail'>,
): Promise<void> {
  if (ctx.policy.transcriptOnClose) await enqueueTranscriptOnClose(tx, session, ctx);
  const at = (session.endedAt ?? new Date()).toISOString();
  const base = { ticketId: session.ticketId, ticketNumber: session.ticketNumber, at };
  const closed = ticketFact.chatClosed({ type: 'chat.closed', ...base, sessionId: session.id, reason: closer.reason }, closer);
  // An unanswered chat (only ever by the visitor or timeout: see chatSessionsRepository.close)
  // is not a resolution; the ticket stays as it is for agents to follow up.
  if (session.unanswered && closer.reason !== 'agent') {
    const ticket = await ticketsRepository.findById(tx, session.ticketId);
    const abandoned = ticketFact.chatAbandoned(
      {
        type: 'chat.abandoned',
        ...base,
        sessionId: session.id,
        reason: closer.reason,
        clientId: session.clientId,
        startedAt: session.startedAt.toISOString(),
        escalated: ticket?.escalated ?? false,
      },
      closer,
    );
    await facts.record([closed, abandoned]);
    return;
  }
  const status = await applyStatusOnChatEnd(tx, session.ticketId, ctx.policy.closeTicketOnChatEnd);
  await facts.record([
    closed,
    ...(status ? [ticketFact.updated({ type: 'ticket.updated', ...base, changes: { status } }, { cause: 'chat.closed' })] : []),
  ]);
}

/** Automations `transcriptOnClose`: the conversation is e-mailed in the transaction that ends it. */
async function enqueueTranscriptOnClose(
  tx: Transaction,
  session: EndedSession & { ticketNumber: number },
  ctx: Pick<ServiceContext, 'policy' | 'mail'>,
): Promise<void> {
  const full = await chatSessionsRepository.findById(tx, session.id);
  if (full) await enqueueTranscript(tx, full, session.ticketNumber, ctx);
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
