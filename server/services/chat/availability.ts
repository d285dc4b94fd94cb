import { isOpen } from '../../automations/businessHours.js';
import type { ServiceContext } from '../context.js';

/** `GET /api/chat/availability` (PROTOCOL §9). */
export interface ChatAvailability {
  online: boolean;
  /** Why not: `closed` (outside business hours, also when nobody is online then) or `no_agents`. */
  reason?: 'closed' | 'no_agents';
}

/** Whether a visitor would reach people now; when not, the widget shows the offline form. */
export async function chatAvailability(ctx: ServiceContext, now = new Date()): Promise<ChatAvailability> {
  const hours = ctx.policy.businessHours;
  if (hours && !isOpen(hours, now)) return { online: false, reason: 'closed' };
  if (!(await anyAgentOnline(ctx))) return { online: false, reason: 'no_agents' };
  return { online: true };
}

/**
 * Whether some agent is online to take a chat (PROTOCOL §8 presence) when routing is not
 * `manual`. Presence is not on this branch yet: until it is wired here, always true.
 */
export async function anyAgentOnline(_ctx: ServiceContext): Promise<boolean> {
  return true;
}
