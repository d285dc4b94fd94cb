import type { Transaction } from '../../db/client.js';
import { agentsRepository } from '../../repositories/agents.js';
import { routingRepository } from '../../repositories/routing.js';
import { ticketsRepository } from '../../repositories/tickets.js';
import type { RoutingSettings } from '../context.js';
import { assignManyInTransaction, type Assignment } from '../tickets/assignTicket.js';
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
 * give them to someone else. Away agents that are live keep theirs. Agents are found by their
 * `open_chats`, which the sweep recounted just before in the same transaction.
 */
export async function requeueChatsOfOfflineAgents(tx: Transaction, facts: TicketFacts, settings: RoutingSettings): Promise<Requeued> {
  const offline = await agentsRepository.listLongOffline(tx, settings.presenceTimeoutMs, settings.reassignAfterOfflineMs);
  if (offline.length === 0) return { assignments: [], busy: false };
  const ticketIds = await routingRepository.openTicketsOf(tx, offline);
  const tickets = await ticketsRepository.lockManyUnlessBusy(tx, ticketIds);
  const busy = tickets.size < ticketIds.length;
  const gone = new Set(offline);
  // Still theirs once locked (not reassigned by hand since read): unassigned, in one batch.
  const theirs = ticketIds.flatMap((id) => tickets.get(id) ?? []).filter((ticket) => ticket.assigneeId !== null && gone.has(ticket.assigneeId));
  const assignments = await assignManyInTransaction(tx, facts, theirs.map((current) => ({ current, assigneeId: null })));
  await routingRepository.enqueue(tx, {
    ticketIds: assignments.map((a) => a.ticket.id),
    assistantOn: settings.assistantOn,
    everyChat: true,
  });
  return { assignments, busy };
}
