import type { Api } from '../api.js';
import { isMissingProcedure } from '../api.js';

/**
 * PROTOCOL §8's presence procedures, called by their wire names: a node without them (routing
 * not deployed yet) answers NOT_FOUND, and the console then leaves out what needs them.
 */
export type PresenceStatus = 'online' | 'away' | 'offline';

export interface AgentPresence {
  id: string;
  name: string;
  status: PresenceStatus;
  openChats: number;
  capacity: number;
}

export interface AgentChanges {
  id: string;
  name?: string;
  role?: 'admin' | 'agent';
  /** null: back to the automations' `routing.defaultCapacity`. */
  capacity?: number | null;
}

type Query<I, O> = { query(input?: I): Promise<O> };
type Mutation<I, O> = { mutate(input: I): Promise<O> };

interface RoutingProcedures {
  agents: {
    presence: Query<void, AgentPresence[]>;
    setStatus: Mutation<{ status: PresenceStatus }, { status: PresenceStatus }>;
    update: Mutation<AgentChanges, unknown>;
  };
}

/** The §8 procedures of the typed client (checked against the AppRouter at compile time). */
export function routingApi(api: Api): RoutingProcedures {
  return api;
}

/** The call's answer, or undefined when the node lacks the procedure (other errors are thrown). */
export async function unlessMissing<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (isMissingProcedure(error)) return undefined;
    throw error;
  }
}
