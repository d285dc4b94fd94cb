import type { Transaction } from '../../db/client.js';
import { agentsRepository, type RoutableAgentRow } from '../../repositories/agents.js';
import { routingRepository } from '../../repositories/routing.js';
import type { RoutingSettings } from '../context.js';
import { AFTER_ANY_DATE } from './assignWaitingChats.js';
import { chooseAgent } from './chooseAgent.js';

/** What routing at the intake reads under the routing lock. */
export interface IntakeRoutingState {
  queueEmpty: boolean;
  candidates: RoutableAgentRow[];
}

/** Who gets each new chat (null: it waits), and what that changes of the agents. */
export interface IntakeAssignments {
  assignees: Array<RoutableAgentRow | null>;
  /** The agents' turns in order (round robin). */
  turns: string[];
  /** Open chats each agent gains. */
  deltas: Map<string, number>;
}

/** Whether chats that start are given at once, in the intake's transaction (PROTOCOL §8). */
export function routesAtIntake(settings: RoutingSettings): boolean {
  return settings.mode !== 'manual' && !settings.assistantOn;
}

/**
 * Takes the routing lock in the intake's transaction — as a routing pass does, so intakes and
 * passes of every node take turns and each sees what the one before committed — and reads whether
 * any chat is queued and who has room. Sent at once, ahead of the intake's other statements.
 */
export function readIntakeRouting(tx: Transaction, settings: RoutingSettings): Promise<IntakeRoutingState> {
  return Promise.all([
    routingRepository.lock(tx),
    routingRepository.queueIsEmpty(tx),
    agentsRepository.listRoutable(tx, settings.presenceTimeoutMs, settings.defaultCapacity),
  ]).then(([, queueEmpty, candidates]) => ({ queueEmpty, candidates }));
}

/**
 * Gives `count` new chats, in order, to online agents with room, chosen one at a time as a pass
 * would (each choice sees the ones before it). None while any chat is queued: those waited
 * longer, and a pass gives them first.
 */
export function planIntakeAssignments(settings: RoutingSettings, state: IntakeRoutingState, count: number): IntakeAssignments {
  const assignees: Array<RoutableAgentRow | null> = [];
  const turns: string[] = [];
  const deltas = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const agent = state.queueEmpty ? chooseAgent(settings.mode, state.candidates) : undefined;
    if (!agent) {
      assignees.push(null);
      continue;
    }
    const chosen = state.candidates.find((candidate) => candidate.id === agent.id)!;
    chosen.openChats += 1;
    chosen.lastAssignedAt = AFTER_ANY_DATE + turns.length; // this turn: after every stored one and earlier ones here
    turns.push(chosen.id);
    deltas.set(chosen.id, (deltas.get(chosen.id) ?? 0) + 1);
    assignees.push(chosen);
  }
  return { assignees, turns, deltas };
}

/**
 * The agents' side of the intake's assignments — open chats and turns — and the queue's: the
 * chats left waiting go in it now (so no later chat is given before them) and are numbered.
 * Sent with the chats' inserts, after them (agents' rows after the transaction's other rows, as
 * every writer). Answers the queue's changed positions, for their customers to be told.
 */
export async function recordIntakeAssignments(
  tx: Transaction,
  plan: IntakeAssignments,
  leftWaiting: string[],
): Promise<Array<{ sessionId: string; position: number }>> {
  const [, , , positions] = await Promise.all([
    agentsRepository.addOpenChats(tx, plan.deltas),
    agentsRepository.markAssigned(tx, plan.turns),
    routingRepository.enqueue(tx, { ticketIds: leftWaiting, assistantOn: false }),
    leftWaiting.length > 0 ? routingRepository.renumber(tx, { onlyAdded: true }) : [],
  ]);
  return positions;
}
