import type { DomainEvent } from '../../shared/tickets.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../logger.js';

export const MAX_QUEUED_EVENTS = 1000;

export interface EventStreamOptions {
  /** Only this ticket's events; all of them when unset. */
  ticketId?: string;
  /** Ends the stream and unsubscribes (tRPC aborts it when the client goes away). */
  signal: AbortSignal;
  logger: Logger;
  maxQueued?: number;
}

/**
 * The bus as an async generator for `tickets.onEvent`. It subscribes at once, before the
 * first pull, so nothing published after the call returns is missed. Events wait in a
 * bounded queue: a subscriber that cannot keep up loses events (logged) instead of growing
 * the node's memory without bound — typing first (the oldest queued `chat.typing`, or the
 * arriving one), and only when none is queued the oldest event of another kind.
 */
export function streamDomainEvents(bus: EventBus, options: EventStreamOptions): AsyncGenerator<DomainEvent> {
  const max = options.maxQueued ?? MAX_QUEUED_EVENTS;
  const queue: DomainEvent[] = [];
  let dropped = 0;
  let wake: (() => void) | undefined;

  const unsubscribe = bus.subscribe((event) => {
    if (options.ticketId && event.ticketId !== options.ticketId) return;
    if (queue.length >= max) {
      dropped++;
      if (dropped === 1 || dropped % 1000 === 0) {
        options.logger.warn({ dropped, maxQueued: max }, 'slow event subscriber: dropping typing first, then its oldest events');
      }
      const typing = queue.findIndex((queued) => queued.type === 'chat.typing');
      if (typing >= 0) queue.splice(typing, 1);
      else if (event.type === 'chat.typing') return; // nothing lesser to drop: this one goes
      else queue.shift();
    }
    queue.push(event);
    wake?.();
  });
  // Also when the stream was never pulled, so its generator's `finally` never runs.
  const stop = () => {
    unsubscribe();
    wake?.();
  };
  options.signal.addEventListener('abort', stop, { once: true });

  async function* drain(): AsyncGenerator<DomainEvent> {
    try {
      while (!options.signal.aborted) {
        const event = queue.shift();
        if (event) {
          yield event;
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      options.signal.removeEventListener('abort', stop);
      unsubscribe();
    }
  }
  return drain();
}
