import type { Transaction } from '../../db/client.js';
import { agentsRepository } from '../../repositories/agents.js';
import { routingRepository } from '../../repositories/routing.js';
import { ticketsRepository } from '../../repositories/tickets.js';
import type { RoutingSettings } from '../context.js';
import { assignInTransaction, type Assignment } from '../tickets/assignTicket.js';
import type { TicketFacts } from '../ticketFacts.js';
import { chooseAgent } from './chooseAgent.js';

/** The largest time a Date holds (ms): turns taken in this pass count from there. */
const AFTER_ANY_DATE = 8.64e15;

export interface Assigned {
  assignments: Assignment[];
  /** A queued chat's ticket was being written by someone else: a later pass must try again. */
  busy: boolean;
}

/**
 * Inside the routing lock: gives the queued chats, oldest first, to the online agents with room
 * until either runs out. Room is counted from the database inside the lock, then kept here as
 * chats are given. Each assignment is the `ticket.assigned` fact of the system (no actor).
 */
export async function assignWaitingChats(tx: Transaction, facts: TicketFacts, settings: RoutingSettings): Promise<Assigned> {
  const queue = await routingRepository.list(tx);
  if (queue.length === 0) return { assignments: [], busy: false };
  const candidates = await agentsRepository.listRoutable(tx, settings.presenceTimeoutMs, settings.defaultCapacity);
  const room = candidates.reduce((total, agent) => total + Math.max(0, agent.capacity - agent.openChats), 0);
  // Only the tickets that can be given now are locked (one statement): the oldest `room` of them.
  const tickets = await ticketsRepository.lockManyUnlessBusy(tx, [...new Set(queue.map((chat) => chat.ticketId))].slice(0, room));
  const assignments: Assignment[] = [];
  const turns: string[] = [];
  const done = new Set<string>();
  let busy = false;
  for (const chat of queue) {
    if (done.has(chat.ticketId)) continue; // another open chat of a ticket given this pass
    const agent = chooseAgent(settings.mode, candidates);
    if (!agent) break;
    const ticket = tickets.get(chat.ticketId);
    if (!ticket) {
      busy = true;
      continue;
    }
    done.add(ticket.id);
    if (ticket.assigneeId) continue; // assigned by hand since the queue was read; settled next pass
    const assignment = await assignInTransaction(tx, facts, ticket, agent.id);
    if (!assignment) continue;
    const sessionIds = queue.filter((queued) => queued.ticketId === ticket.id).map((queued) => queued.sessionId);
    assignments.push({ ...assignment, sessionIds });
    agent.openChats += sessionIds.length;
    agent.lastAssignedAt = AFTER_ANY_DATE + turns.length; // this turn: after every stored one and earlier ones of this pass
    turns.push(agent.id);
  }
  await routingRepository.removeTickets(tx, assignments.map((assignment) => assignment.ticket.id));
  await agentsRepository.markAssigned(tx, turns);
  return { assignments, busy };
}
