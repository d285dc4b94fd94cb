import type { ServiceContext } from '../context.js';
import type { AuthenticatedChat } from '../chat/authenticateChat.js';

/**
 * The place in the queue last told to this open chat's customer, for a socket that comes back
 * (`chat:resume`) and would otherwise wait for the next change to learn it; undefined when the
 * chat does not wait (or routing is manual: no queue events). Read with the session when its
 * token was checked (`findResumable`), in the same statement.
 */
export function queuePositionOf(authenticated: AuthenticatedChat, ctx: ServiceContext): number | undefined {
  if (ctx.routing.settings.mode === 'manual' || authenticated.status !== 'active') return undefined;
  return authenticated.queuePosition ?? undefined;
}
