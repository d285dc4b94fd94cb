import { agentsRepository } from '../../repositories/agents.js';
import { routingRepository } from '../../repositories/routing.js';
import type { RoutingSettings, ServiceContext } from '../context.js';
import { announceAssignment, type Assignment } from '../tickets/assignTicket.js';
import { inTicketTransaction } from '../ticketFacts.js';
import { assignWaitingChats } from './assignWaitingChats.js';
import { requeueChatsOfOfflineAgents } from './requeueChats.js';

/** What one pass is asked to look at besides the queue itself. */
export interface PassRequest {
  /** Tickets whose chats may now wait for a person (a new chat, an escalation, an unassignment). */
  ticketIds: string[];
  /** The periodic sweep: also every open unassigned chat, and chats of agents long offline. */
  sweep: boolean;
}

export interface PassOutcome {
  assigned: number;
  requeued: number;
  /** Some ticket was held by another transaction: another pass should follow soon. */
  busy: boolean;
  /** New chats that pass must look at by id (their tickets were busy; they are not queued). */
  retry: string[];
}

/**
 * One routing pass, in one transaction under the routing lock (so passes of every node take
 * turns and each sees what the one before committed): on sweeps, recount agents' open chats and
 * re-queue chats of agents long offline; give the chats that wait (queued, or waiting from now)
 * to online agents with room, queue the rest, and renumber the queue. After commit: each new
 * assignee's customer gets `agent:joined`, and each queued customer whose place changed gets
 * `queue:position`.
 */
export async function runRoutingPass(request: PassRequest, settings: RoutingSettings, ctx: ServiceContext): Promise<PassOutcome> {
  const result = await inTicketTransaction(
    ctx,
    async (tx, facts) => {
      await routingRepository.lock(tx);
      // The safety net for agents.open_chats too: counted from the sessions, drift corrected (and told).
      const drift = request.sweep ? await agentsRepository.recountOpenChats(tx) : [];
      const requeued = request.sweep ? await requeueChatsOfOfflineAgents(tx, facts, settings) : { assignments: [], busy: false };
      const assigned = await assignWaitingChats(tx, facts, settings, request.sweep ? undefined : request.ticketIds);
      return { requeued, assigned, drift };
    },
    { timed: 'routing_pass' },
  );
  if (result.drift.length > 0) ctx.logger.warn({ agents: result.drift }, "agents' open chats differed from their sessions; recounted");
  await announceAll(result.assigned.assignments, ctx);
  for (const { sessionId, position } of result.assigned.positions) ctx.customers.queuePosition(sessionId, { position });
  return {
    assigned: result.assigned.assignments.length,
    requeued: result.requeued.assignments.length,
    busy: result.requeued.busy || result.assigned.busy,
    retry: result.assigned.retry,
  };
}

async function announceAll(assignments: Assignment[], ctx: ServiceContext): Promise<void> {
  for (const assignment of assignments) await announceAssignment(assignment, ctx);
}
