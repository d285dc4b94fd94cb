import { and, eq, sql } from 'drizzle-orm';
import { serverMsgId } from '../../shared/schemas.js';
import { tickets } from '../db/schema.js';
import { ticketEventsRepository } from '../repositories/ticketEvents.js';
import type { ServiceContext } from '../services/context.js';
import type { ChatRef } from '../services/chat/chatRef.js';
import { postMessage } from '../services/chat/postMessage.js';

export type EscalationReason = 'low_confidence' | 'handoff_keyword';

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
  const escalated = await ctx.db.transaction(async (tx) => {
    const [before] = await tx.select({ priority: tickets.priority }).from(tickets).where(eq(tickets.id, chat.ticketId));
    const [row] = await tx
      .update(tickets)
      .set({ priority: 'HIGH', escalated: true, escalatedAt: sql`now()` })
      .where(and(eq(tickets.id, chat.ticketId), eq(tickets.escalated, false)))
      .returning({ escalatedAt: tickets.escalatedAt });
    if (!row || !before) return undefined;
    const changes = {
      escalated: { from: false, to: true },
      ...(before.priority !== 'HIGH' ? { priority: { from: before.priority, to: 'HIGH' } } : {}),
    };
    await ticketEventsRepository.append(tx, [
      {
        ticketId: chat.ticketId,
        actorType: 'system',
        type: 'chat.escalated',
        data: { sessionId: chat.sessionId, confidence: details.confidence, reason: details.reason, messageId: details.messageId },
      },
      { ticketId: chat.ticketId, actorType: 'system', type: 'ticket.updated', data: { changes, cause: 'chat.escalated' } },
    ]);
    return { at: (row.escalatedAt ?? new Date()).toISOString(), changes };
  });
  if (!escalated) return false;

  ctx.bus.publish({
    type: 'chat.escalated',
    ticketId: chat.ticketId,
    ticketNumber: chat.ticketNumber,
    at: escalated.at,
    sessionId: chat.sessionId,
    confidence: details.confidence,
    reason: details.reason,
  });
  ctx.bus.publish({
    type: 'ticket.updated',
    ticketId: chat.ticketId,
    ticketNumber: chat.ticketNumber,
    at: escalated.at,
    changes: escalated.changes,
  });
  await postMessage(
    chat,
    { type: 'system' },
    { body: HANDOFF_TEXT[details.locale] ?? HANDOFF_TEXT['pt-BR']!, clientMsgId: serverMsgId('escalation', chat.ticketId) },
    ctx,
  );
  return true;
}
