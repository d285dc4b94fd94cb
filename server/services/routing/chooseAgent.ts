import type { RoutingMode } from '../../automations/automationsConfig.js';

/** An online agent as a routing pass weighs it. */
export interface RoutingCandidate {
  id: string;
  openChats: number;
  capacity: number;
  /** When routing last gave it a chat (ms); null: never, which is longest ago. */
  lastAssignedAt: number | null;
}

/**
 * The agent the next queued chat goes to, among those with room (`openChats < capacity`):
 * `least_busy` — fewest open chats, then the one whose last routed chat is oldest;
 * `round_robin` — the one whose last routed chat is oldest. Ties end on the id, so every node
 * would choose alike. `manual` never chooses; undefined when nobody has room.
 */
export function chooseAgent(mode: RoutingMode, candidates: readonly RoutingCandidate[]): RoutingCandidate | undefined {
  if (mode === 'manual') return undefined;
  let best: RoutingCandidate | undefined;
  for (const candidate of candidates) {
    if (candidate.openChats >= candidate.capacity) continue;
    if (!best || compare(mode, candidate, best) < 0) best = candidate;
  }
  return best;
}

function compare(mode: Exclude<RoutingMode, 'manual'>, a: RoutingCandidate, b: RoutingCandidate): number {
  if (mode === 'least_busy' && a.openChats !== b.openChats) return a.openChats - b.openChats;
  const turn = (a.lastAssignedAt ?? -Infinity) - (b.lastAssignedAt ?? -Infinity);
  if (turn !== 0 && !Number.isNaN(turn)) return turn;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
