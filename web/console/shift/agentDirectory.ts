import type { Agent } from '../../../shared/agentApi.js';
import type { Api } from '../api.js';
import { routingApi, unlessMissing, type AgentPresence } from './routingApi.js';

/** Who is on the team, for assignee names and the assign/transfer choices. */
export interface TeamMember {
  id: string;
  name: string;
  /** Undefined where presence is not known (a node without `agents.presence`). */
  presence?: AgentPresence;
}

/**
 * The team as the caller may see it: everyone with their presence from `agents.presence`
 * (any agent), else the active agents of `agents.list` (admins only), else just the caller.
 */
export async function loadTeam(api: Api, me: Agent): Promise<TeamMember[]> {
  const presence = await unlessMissing(routingApi(api).agents.presence.query());
  if (presence) return presence.map((p) => ({ id: p.id, name: p.name, presence: p }));
  if (me.role === 'admin') {
    const agents = await api.agents.list.query();
    return agents.filter((a) => !a.revokedAt).map((a) => ({ id: a.id, name: a.name }));
  }
  return [{ id: me.id, name: me.name }];
}
