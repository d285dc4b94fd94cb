import type { EscalationReason, TicketChanges } from '../../../shared/events.js';
import { serverMsgId } from '../../../shared/schemas.js';
import { ticketsRepository } from '../../repositories/tickets.js';
import type { ChatRef } from '../chat/chatRef.js';
import { postMessage } from '../chat/postMessage.js';
import type { ServiceContext } from '../context.js';
import { inTicketTransaction, ticketFact } from '../ticketFacts.js';

const HANDOFF_TEXT: Record<string, string> = {
  'pt-BR': 'Vou chamar uma pessoa da nossa equipe para continuar o seu atendimento. Aguarde um instante, por favor.',
  en: 'A person from our team will take over this conversation shortly. Please hold on.',
};

/**
 * Hands a chat to people: priority HIGH, `escalated`, audited, announced with the confidence
 * that led to it, and the customer told in their language. Happens once per ticket.
 */
export async function escalateChat(
  chat: ChatRef,
  details: { confidence: number; reason: EscalationReason; messageId: string; locale: string },
  ctx: ServiceContext,
): Promise<boolean> {
  const escalated = await inTicketTransaction(ctx, async (tx, facts) => {
    const marked = await ticketsRepository.markEscalated(tx, chat.ticketId);
    if (!marked) return false;
    const base = { ticketId: chat.ticketId, ticketNumber: chat.ticketNumber, at: marked.escalatedAt.toISOString() };
    const changes: TicketChanges = {
      escalated: { from: false, to: true },
      ...(marked.priorityBefore !== 'HIGH' ? { priority: { from: marked.priorityBefore, to: 'HIGH' } } : {}),
    };
    const { confidence, reason, messageId } = details;
    await facts.record([
      ticketFact.chatEscalated({ type: 'chat.escalated', ...base, sessionId: chat.sessionId, confidence, reason }, messageId),
      ticketFact.updated({ type: 'ticket.updated', ...base, changes }, { cause: 'chat.escalated' }),
    ]);
    return true;
  });
  if (!escalated) return false;

  await postMessage(
    chat,
    { type: 'system' },
    { body: HANDOFF_TEXT[details.locale] ?? HANDOFF_TEXT['pt-BR']!, clientMsgId: serverMsgId('escalation', chat.ticketId) },
    ctx,
  );
  return true;
}
