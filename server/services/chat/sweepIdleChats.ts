import { chatSessionsRepository } from '../../repositories/chatSessions.js';
import { ticketsRepository } from '../../repositories/tickets.js';
import type { ServiceContext } from '../context.js';
import { inTicketTransaction } from '../ticketFacts.js';
import { recordChatEnd } from './closeChat.js';
import { countEndedChats } from '../agents/openChats.js';

const BATCH = 100;

/**
 * Closes every chat idle for `idleMs` with reason `timeout`, one atomic batch per transaction.
 * Safe on every node at once: the database decides which node closes which chat.
 */
export async function sweepIdleChats(idleMs: number, ctx: ServiceContext): Promise<number> {
  let total = 0;
  for (;;) {
    const closed = await inTicketTransaction(ctx, async (tx, facts) => {
      const sessions = await chatSessionsRepository.closeIdle(tx, idleMs, BATCH);
      if (sessions.length === 0) return [];
      const numberOf = await ticketsRepository.numbersById(tx, sessions.map((s) => s.ticketId));
      for (const session of sessions) {
        const ended = { ...session, ticketNumber: numberOf.get(session.ticketId)! };
        await recordChatEnd(tx, facts, ended, { reason: 'timeout', actorType: 'system' }, ctx);
      }
      await countEndedChats(tx, sessions.map((session) => session.ticketId));
      return sessions;
    });
    for (const session of closed) ctx.customers.closed(session.id, 'timeout');
    if (closed.length > 0 && ctx.policy.transcriptOnClose) ctx.mail.wake();
    total += closed.length;
    if (closed.length < BATCH) return total;
  }
}

/** Runs the sweep on a timer; returns the function that stops it. */
export function startIdleSweeper(idleMs: number, ctx: ServiceContext): () => void {
  const everyMs = Math.max(200, Math.min(30_000, Math.floor(idleMs / 4)));
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepIdleChats(idleMs, ctx)
      .catch((error: unknown) => ctx.logger.warn({ err: error }, 'idle sweep failed; retrying next round'))
      .finally(() => {
        running = false;
      });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
