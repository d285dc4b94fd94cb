import type { Transaction } from '../../db/client.js';
import type { TicketRow } from '../../db/schema.js';
import { agentsRepository } from '../../repositories/agents.js';
import { routingRepository, type WaitingChat } from '../../repositories/routing.js';
import { ticketsRepository } from '../../repositories/tickets.js';
import type { RoutingSettings } from '../context.js';
import { assignManyInTransaction, type Assignment, type AssignmentRequest } from '../tickets/assignTicket.js';
import type { TicketFacts } from '../ticketFacts.js';
import { chooseAgent, type RoutingCandidate } from './chooseAgent.js';

/** The largest time a Date holds (ms): turns taken in this pass count from there. */
const AFTER_ANY_DATE = 8.64e15;

export interface Assigned {
  assignments: Assignment[];
  /** A waiting chat's ticket was being written by someone else: a later pass must try again. */
  busy: boolean;
  /** Chats are left in the queue (false: it is empty, nothing to number). */
  queued: boolean;
}

/**
 * Inside the routing lock: gives the chats that wait — the queue, and the chats of
 * `ticketIds` (every ticket: `undefined`) that start waiting now — oldest first, to the online
 * agents with room until either runs out, and queues the new ones left waiting. A chat given at
 * once never enters the queue. Room is counted from the database inside the lock, then kept
 * here as chats are given. The assignments are the system's `ticket.assigned` facts (no actor),
 * written together: a pass costs the same few statements whatever it gives.
 */
export async function assignWaitingChats(
  tx: Transaction,
  facts: TicketFacts,
  settings: RoutingSettings,
  ticketIds: string[] | undefined,
): Promise<Assigned> {
  const options = { ticketIds, assistantOn: settings.assistantOn };
  // Sent together, run in this order: settled chats leave the queue before it is read.
  const [, waiting, candidates] = await Promise.all([
    routingRepository.dropSettled(tx),
    routingRepository.listWaiting(tx, options),
    agentsRepository.listRoutable(tx, settings.presenceTimeoutMs, settings.defaultCapacity),
  ]);
  if (waiting.length === 0) return { assignments: [], busy: false, queued: false };
  const sessionsOf = sessionsByTicket(waiting);
  const room = candidates.reduce((total, agent) => total + Math.max(0, agent.capacity - agent.openChats), 0);
  // Only the tickets that can be given now are locked (one statement): the oldest `room` of them.
  const tickets = await ticketsRepository.lockManyUnlessBusy(tx, [...sessionsOf.keys()].slice(0, room));
  const plan = planAssignments(settings, waiting, tickets, sessionsOf, candidates);
  const assignments = await assignManyInTransaction(tx, facts, plan.requests);
  const given = new Set(assignments.map((assignment) => assignment.ticket.id));
  const leftWaiting = [...new Set(waiting.filter((chat) => !chat.queued && !given.has(chat.ticketId)).map((chat) => chat.ticketId))];
  await Promise.all([
    routingRepository.removeTickets(tx, waiting.filter((chat) => chat.queued && given.has(chat.ticketId)).map((chat) => chat.ticketId)),
    routingRepository.enqueue(tx, { ...options, ticketIds: leftWaiting }),
    agentsRepository.markAssigned(tx, plan.turns),
  ]);
  const queued = leftWaiting.length > 0 || waiting.some((chat) => chat.queued && !given.has(chat.ticketId));
  return { assignments, busy: plan.busy, queued };
}

/** Each waiting ticket's open chats, tickets in queue order (a ticket's place is its oldest chat's). */
function sessionsByTicket(waiting: WaitingChat[]): Map<string, string[]> {
  const sessions = new Map<string, string[]>();
  for (const chat of waiting) {
    const list = sessions.get(chat.ticketId);
    if (list) list.push(chat.sessionId);
    else sessions.set(chat.ticketId, [chat.sessionId]);
  }
  return sessions;
}

/**
 * Who gets which ticket, in queue order, chosen one at a time as the chats are given (each
 * choice sees the ones before it): the requests, the agents' turns in order (round robin), and
 * whether a ticket was busy.
 */
function planAssignments(
  settings: RoutingSettings,
  waiting: WaitingChat[],
  tickets: Map<string, TicketRow>,
  sessionsOf: Map<string, string[]>,
  candidates: RoutingCandidate[],
): { requests: AssignmentRequest[]; turns: string[]; busy: boolean } {
  const requests: AssignmentRequest[] = [];
  const turns: string[] = [];
  const done = new Set<string>();
  let busy = false;
  for (const chat of waiting) {
    if (done.has(chat.ticketId)) continue; // another open chat of a ticket already weighed
    const agent = chooseAgent(settings.mode, candidates);
    if (!agent) break;
    const ticket = tickets.get(chat.ticketId);
    if (!ticket) {
      busy = true;
      continue;
    }
    done.add(ticket.id);
    if (ticket.assigneeId) continue; // assigned by hand since the chats were read; settled next pass
    const sessionIds = sessionsOf.get(ticket.id) ?? [chat.sessionId];
    requests.push({ current: ticket, assigneeId: agent.id, sessionIds });
    agent.openChats += sessionIds.length;
    agent.lastAssignedAt = AFTER_ANY_DATE + turns.length; // this turn: after every stored one and earlier ones of this pass
    turns.push(agent.id);
  }
  return { requests, turns, busy };
}
