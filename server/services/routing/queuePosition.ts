import { routingRepository } from '../../repositories/routing.js';
import type { ServiceContext } from '../context.js';

/**
 * The place in the queue last told to this open chat's customer, for a socket that comes back
 * (`chat:resume`) and would otherwise wait for the next change to learn it; undefined when the
 * chat does not wait (or routing is manual: no queue events).
 */
export async function queuePositionOf(sessionId: string, ctx: ServiceContext): Promise<number | undefined> {
  if (ctx.routing.settings.mode === 'manual') return undefined;
  return routingRepository.positionOf(ctx.db, sessionId);
}
