import type { Transaction } from '../../db/client.js';
import type { TicketRow } from '../../db/schema.js';
import { agentsRepository, routableAgents, type RoutableAgentRow } from '../../repositories/agents.js';
import { routingRepository, type WaitingChat } from '../../repositories/routing.js';
import type { RoutingSettings } from '../context.js';
import { assignManyInTransaction, type Assignment, type AssignmentRequest } from '../tickets/assignTicket.js';
import type { TicketFacts } from '../ticketFacts.js';
import { chooseAgent } from './chooseAgent.js';

/** The largest time a Date holds (ms): turns taken in this pass count from there. */
const AFTER_ANY_DATE = 8.64e15;

export interface Assigned {
  assignments: Assignment[];
  /** A waiting chat's ticket was being written by someone else: a later pass must try again. */
  busy: boolean;
  /**
   * The tickets of chats that start waiting now but were busy while an agent had room: not
   * queued (their customer is not told a place they may never hold), but tried again by id.
   */
  retry: string[];
  /** The queue's positions, renumbered: the chats whose customer must be told a new one. */
  positions: Array<{ sessionId: string; position: number }>;
}

/**
 * Inside the routing lock: gives the chats that wait — the queue, and the chats of
 * `ticketIds` (every ticket: `undefined`) that start waiting now — oldest first, to the online
 * agents with room until either runs out, queues the new ones left waiting and renumbers the
 * queue when it changed (only the new chats when they were only added at its end). A chat
 * given at once never enters the queue. Room is counted from the database inside the lock,
 * then kept here as chats are given. The assignments are the system's
 * `ticket.assigned` facts (no actor), written together: a pass costs the same few statements,
 * in two round trips, whatever it gives.
 */
export async function assignWaitingChats(
  tx: Transaction,
  facts: TicketFacts,
  settings: RoutingSettings,
  ticketIds: string[] | undefined,
): Promise<Assigned> {
  const options = { ticketIds, assistantOn: settings.assistantOn };
  const routable = routableAgents(settings.presenceTimeoutMs, settings.defaultCapacity);
  // Sent together, run in this order: settled chats of these tickets leave the queue, then the
  // tickets that can be given now are locked (room counted in that statement), then what may be
  // given and who has room is read. The queue is read only as far as there is room.
  const [dropped, tickets, waiting, candidates] = await Promise.all([
    routingRepository.dropSettled(tx, ticketIds),
    routingRepository.lockFirstWaiting(tx, options, routable),
    routingRepository.listWaiting(tx, options, routable),
    agentsRepository.listRoutable(tx, settings.presenceTimeoutMs, settings.defaultCapacity),
  ]);
  if (waiting.length === 0 && dropped === 0 && ticketIds !== undefined) return { assignments: [], busy: false, retry: [], positions: [] };
  const plan = planAssignments(settings, waiting, tickets, candidates);
  const given = new Set(plan.requests.map((request) => request.current.id));
  const newlyWaiting = [...new Set(waiting.filter((chat) => !chat.queued && !given.has(chat.ticketId)).map((chat) => chat.ticketId))];
  const retry = newlyWaiting.filter((ticketId) => plan.busy.has(ticketId));
  const leftWaiting = newlyWaiting.filter((ticketId) => !plan.busy.has(ticketId));
  const givenFromQueue = [...new Set(waiting.filter((chat) => chat.queued && given.has(chat.ticketId)).map((chat) => chat.ticketId))];
  const removed = dropped > 0 || givenFromQueue.length > 0;
  // Sent together (one round trip): the assignments' writes, the queue's, the agents' turns.
  const [assignments, , , , positions] = await Promise.all([
    assignManyInTransaction(tx, facts, plan.requests, { known: new Map(candidates.map((agent) => [agent.id, agent])) }),
    routingRepository.removeTickets(tx, givenFromQueue),
    routingRepository.enqueue(tx, { ...options, ticketIds: leftWaiting }),
    agentsRepository.markAssigned(tx, plan.turns),
    // A sweep may have put chats taken back from offline agents in the queue, unnumbered.
    removed || leftWaiting.length > 0 || ticketIds === undefined ? routingRepository.renumber(tx, { onlyAdded: !removed }) : [],
  ]);
  return { assignments, busy: plan.busy.size > 0, retry, positions };
}

/**
 * Who gets which ticket, in queue order, chosen one at a time as the chats are given (each
 * choice sees the ones before it): the requests (each with the ticket's waiting chats), the
 * agents' turns in order (round robin), and the tickets that were busy while someone had room.
 */
function planAssignments(
  settings: RoutingSettings,
  waiting: WaitingChat[],
  tickets: Map<string, TicketRow>,
  candidates: RoutableAgentRow[],
): { requests: AssignmentRequest[]; turns: string[]; busy: Set<string> } {
  const sessionsOf = sessionsByTicket(waiting);
  const requests: AssignmentRequest[] = [];
  const turns: string[] = [];
  const busy = new Set<string>();
  for (const [ticketId, sessionIds] of sessionsOf) {
    const agent = chooseAgent(settings.mode, candidates);
    if (!agent) break;
    const ticket = tickets.get(ticketId);
    if (!ticket) {
      busy.add(ticketId); // held by another writer (or started waiting after the lock): a later pass
      continue;
    }
    if (ticket.assigneeId) continue; // assigned by hand since the chats were read; settled next pass
    requests.push({ current: ticket, assigneeId: agent.id, sessionIds });
    agent.openChats += sessionIds.length;
    agent.lastAssignedAt = AFTER_ANY_DATE + turns.length; // this turn: after every stored one and earlier ones of this pass
    turns.push(agent.id);
  }
  return { requests, turns, busy };
}

/** Each waiting ticket's chats, tickets in queue order (a ticket's place is its oldest chat's). */
function sessionsByTicket(waiting: WaitingChat[]): Map<string, string[]> {
  const sessions = new Map<string, string[]>();
  for (const chat of waiting) {
    const list = sessions.get(chat.ticketId);
    if (list) list.push(chat.sessionId);
    else sessions.set(chat.ticketId, [chat.sessionId]);
  }
  return sessions;
}
