import type { AgentRow } from '../../db/schema.js';
import { agentsRepository } from '../../repositories/agents.js';
import type { ServiceContext } from '../context.js';

/** How often a node re-checks the tokens of the agents whose event streams it holds. */
export const TOKEN_RECHECK_MS = 1000;

/** Ends an agent's long-lived streams once its token stops being valid. */
export interface AgentStreamWatch {
  /**
   * A signal that aborts when `signal` does or when this agent's token is revoked (or
   * replaced); `revoked` tells which.
   */
  watch(agent: Pick<AgentRow, 'id' | 'tokenHash'>, signal: AbortSignal): { signal: AbortSignal; revoked: () => boolean };
  close(): void;
}

interface WatchedStream {
  tokenHash: string;
  revoke: AbortController;
}

/**
 * PROTOCOL §7: a revoked agent's open event streams end within 2 s on every node. Two paths,
 * so neither alone is trusted: `revokeAgent` announces `agent.revoked` on the bus, which every
 * node hears at once (while Redis is up); and each node re-reads, every TOKEN_RECHECK_MS, the
 * tokens of the agents it streams to — one query for all of them, whatever the number of
 * streams — which also catches a revocation whose announcement was lost (Redis away) and a
 * token replaced by a new ADMIN_TOKEN.
 */
export function createAgentStreamWatch(ctx: Pick<ServiceContext, 'db' | 'bus' | 'logger'>): AgentStreamWatch {
  const byAgent = new Map<string, Set<WatchedStream>>();
  // At shutdown every stream ends (clients reconnect elsewhere); not a revocation.
  const shutdown = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let checking = false;

  const revokeAll = (agentId: string) => {
    for (const stream of byAgent.get(agentId) ?? []) stream.revoke.abort();
  };
  const stopListening = ctx.bus.onNotice((notice) => {
    if (notice.type === 'agent.revoked') revokeAll(notice.agentId);
  });

  async function recheck() {
    if (checking || byAgent.size === 0) return;
    checking = true;
    try {
      const active = new Map(
        (await agentsRepository.findActiveTokenHashes(ctx.db, [...byAgent.keys()])).map((row) => [row.id, row.tokenHash]),
      );
      for (const [agentId, streams] of byAgent) {
        for (const stream of streams) if (active.get(agentId) !== stream.tokenHash) stream.revoke.abort();
      }
    } catch (error) {
      // The database is away: streams stay open (their agents were valid) until it answers.
      ctx.logger.warn({ err: error }, 'could not re-check the tokens of open event streams');
    } finally {
      checking = false;
    }
  }

  function forget(agentId: string, stream: WatchedStream) {
    const streams = byAgent.get(agentId);
    streams?.delete(stream);
    if (streams?.size === 0) byAgent.delete(agentId);
    if (byAgent.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  }

  return {
    watch(agent, signal) {
      const stream: WatchedStream = { tokenHash: agent.tokenHash, revoke: new AbortController() };
      let streams = byAgent.get(agent.id);
      if (!streams) byAgent.set(agent.id, (streams = new Set()));
      streams.add(stream);
      timer ??= setInterval(() => void recheck(), TOKEN_RECHECK_MS).unref();
      const either = AbortSignal.any([signal, stream.revoke.signal, shutdown.signal]);
      either.addEventListener('abort', () => forget(agent.id, stream), { once: true });
      return { signal: either, revoked: () => stream.revoke.signal.aborted };
    },
    /** Stops watching and ends every stream (at shutdown). */
    close() {
      stopListening();
      shutdown.abort();
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
