import { domainEventsRepository } from '../../repositories/domainEvents.js';
import type { ServiceContext } from '../context.js';

const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * Forgets, every ten minutes, the events past EVENT_REPLAY_HOURS: no stream may replay them
 * anyway (it says `reset`). Every node prunes; a delete that finds nothing costs an index probe.
 */
export function startEventLogPruner(ctx: Pick<ServiceContext, 'db' | 'logger' | 'policy'>): () => void {
  let running = false;
  const prune = () => {
    if (running) return;
    running = true;
    domainEventsRepository
      .pruneBefore(ctx.db, new Date(Date.now() - ctx.policy.eventReplayMs))
      .then((count) => count > 0 && ctx.logger.info({ count }, 'pruned events past EVENT_REPLAY_HOURS'))
      .catch((error: unknown) => ctx.logger.warn({ err: error }, 'event log prune failed; retrying next round'))
      .finally(() => {
        running = false;
      });
  };
  const timer = setInterval(prune, PRUNE_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
