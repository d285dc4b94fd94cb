import type { Transaction } from '../../db/client.js';
import { agentsRepository } from '../../repositories/agents.js';
import { routingRepository } from '../../repositories/routing.js';
import { ticketsRepository } from '../../repositories/tickets.js';
import type { RoutingSettings } from '../context.js';
import { assignInTransaction, type Assignment } from '../tickets/assignTicket.js';
import type { TicketFacts } from '../ticketFacts.js';

export interface Requeued {
  /** The unassignments (assignee null, the offline agent as previous assignee). */
  assignments: Assignment[];
  busy: boolean;
}

/**
 * Inside the routing lock: the open chats of agents offline for longer than
 * `reassignAfterOfflineMs` (not live, asked offline, or revoked) are unassigned — the system's
 * `ticket.assigned` with `assigneeId` null — and go back to the queue, where the same pass may
 * give them to someone else. Away agents that are live keep theirs.
 */
export async function requeueChatsOfOfflineAgents(tx: Transaction, facts: TicketFacts, settings: RoutingSettings): Promise<Requeued> {
  const offline = await agentsRepository.listLongOffline(tx, settings.presenceTimeoutMs, settings.reassignAfterOfflineMs);
  if (offline.length === 0) return { assignments: [], busy: false };
  const ticketIds = await routingRepository.openTicketsOf(tx, offline);
  const assignments: Assignment[] = [];
  let busy = false;
  for (const ticketId of ticketIds) {
    const ticket = await ticketsRepository.lockUnlessBusy(tx, ticketId);
    if (!ticket) {
      busy = true;
      continue;
    }
    if (!ticket.assigneeId || !offline.includes(ticket.assigneeId)) continue;
    const assignment = await assignInTransaction(tx, facts, ticket, null);
    if (assignment) assignments.push(assignment);
  }
  await routingRepository.enqueue(tx, {
    ticketIds: assignments.map((a) => a.ticket.id),
    assistantOn: settings.assistantOn,
    everyChat: true,
  });
  return { assignments, busy };
}
