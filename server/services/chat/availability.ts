import { isOpen } from '../../automations/businessHours.js';
import type { ServiceContext } from '../context.js';
import { listPresence } from '../agents/agentPresence.js';

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
 * Whether some agent reads `online` (PROTOCOL §8 presence: asked to be, and live). With
 * `routing.mode` `manual` nobody is waited for, so the chat counts as staffed.
 */
export async function anyAgentOnline(ctx: ServiceContext): Promise<boolean> {
  if (ctx.routing.settings.mode === 'manual') return true;
  return (await listPresence(ctx)).some((agent) => agent.status === 'online');
}
