import type { Agent } from '../../../shared/agentApi.js';
import type { AgentRow } from '../../db/schema.js';

/** The wire shape of an agent: never its token hash. */
export function toAgent(row: AgentRow): Agent {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    role: row.role,
    createdAt: row.createdAt.toISOString(),
    revokedAt: row.revokedAt?.toISOString() ?? null,
    capacity: row.capacity,
  };
}
