import { agentsRepository } from '../../repositories/agents.js';
import type { ServiceContext } from '../context.js';

/** Keeps `agents.last_seen_at` current for the agents this node sees (PROTOCOL §8 presence). */
export interface AgentLiveness {
  /** An event stream of this agent opened here; call the answer when it closes. */
  streamOpened(agentId: string): () => void;
  /** This agent called the API here. */
  apiCalled(agentId: string): void;
  close(): void;
}

/**
 * Liveness in the database every node shares: an agent is live while its `last_seen_at` is
 * within the presence window. This node refreshes, every third of the window and in one
 * statement, the agents holding an event stream on it; an API call refreshes its agent at most
 * once per quarter window (per node). A stream that closes needs nothing: its agent expires.
 * An agent found back to life with `online` asked makes routing look for chats for it.
 */
export function createAgentLiveness(ctx: Pick<ServiceContext, 'db' | 'logger' | 'routing'>): AgentLiveness {
  const windowMs = ctx.routing.settings.presenceTimeoutMs;
  const streams = new Map<string, number>();
  const lastTouched = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;

  function markSeen(ids: string[]) {
    const now = Date.now();
    for (const id of ids) lastTouched.set(id, now);
    agentsRepository
      .markSeen(ctx.db, ids, windowMs)
      .then((revived) => {
        if (revived.length > 0) ctx.routing.request();
      })
      .catch((error: unknown) => ctx.logger.warn({ err: error }, 'could not mark agents seen'));
  }

  function refreshStreams() {
    if (streams.size > 0) markSeen([...streams.keys()]);
  }

  return {
    streamOpened(agentId) {
      streams.set(agentId, (streams.get(agentId) ?? 0) + 1);
      timer ??= setInterval(refreshStreams, Math.max(50, Math.floor(windowMs / 3))).unref();
      markSeen([agentId]);
      let open = true;
      return () => {
        if (!open) return;
        open = false;
        const left = (streams.get(agentId) ?? 1) - 1;
        if (left > 0) streams.set(agentId, left);
        else streams.delete(agentId);
        if (streams.size === 0 && timer) {
          clearInterval(timer);
          timer = undefined;
        }
      };
    },
    apiCalled(agentId) {
      if (Date.now() - (lastTouched.get(agentId) ?? 0) < windowMs / 4) return;
      markSeen([agentId]);
    },
    close() {
      if (timer) clearInterval(timer);
      timer = undefined;
      streams.clear();
    },
  };
}
