import type { TicketDetail } from '../../../shared/agentApi.js';
import type { PageContext } from '../main.js';

/**
 * Moves the agent's read mark (`tickets.markRead`) to the last message shown of the ticket's
 * latest chat, while the page is in front of them: on opening the ticket, on each message that
 * arrives, and when the tab comes back into view. Then the shift's counts (the title's total,
 * the badges) are read again: a read mark is no event.
 */
export function createReadMarks(ctx: PageContext, lastSeq: (sessionId: string) => number) {
  let ticket: TicketDetail | undefined;
  const marked = new Map<string, number>();
  let pending: Promise<void> = Promise.resolve();

  function latestSession() {
    return ticket?.chatSessions.reduce<TicketDetail['chatSessions'][number] | undefined>(
      (latest, s) => (!latest || s.startedAt > latest.startedAt ? s : latest),
      undefined,
    );
  }

  function mark() {
    const session = latestSession();
    if (!ticket || !session || document.visibilityState !== 'visible' || ctx.signal.aborted) return;
    const seq = lastSeq(session.id);
    if (seq <= (marked.get(session.id) ?? 0)) return;
    marked.set(session.id, seq);
    const id = ticket.id;
    pending = pending
      .then(() => ctx.api.tickets.markRead.mutate({ id, seq, sessionId: session.id }))
      .then(() => ctx.shift.refresh())
      .catch(ctx.fail);
  }

  const onVisible = () => mark();
  document.addEventListener('visibilitychange', onVisible);
  ctx.signal.addEventListener('abort', () => document.removeEventListener('visibilitychange', onVisible));
  return {
    setTicket(fresh: TicketDetail) {
      ticket = fresh;
    },
    mark,
  };
}
