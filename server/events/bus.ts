import type { AgentEvent } from '../../shared/events.js';

/** `local` is true for events that happened on this node (automations act on those only). */
export interface EventMeta {
  local: boolean;
}

export type EventListener = (event: AgentEvent, meta: EventMeta) => void;

/**
 * What nodes tell each other, never streamed to agents nor sent to webhooks:
 * `agent.revoked` ends that agent's open event streams on every node.
 */
export type NodeNotice = { type: 'agent.revoked'; agentId: string };
export type NoticeListener = (notice: NodeNotice) => void;

/** Told of every event published and delivered (the node's metrics). */
export interface BusObserver {
  published(event: AgentEvent): void;
  /** `lagMs`: from publish on another node to arrival here; undefined for local events. */
  delivered(event: AgentEvent, meta: EventMeta, lagMs: number | undefined): void;
}

/**
 * Domain events, published by services after commit and delivered to every subscriber on
 * every node. In-process here; a Redis pub/sub implementation keeps the same interface.
 */
export interface EventBus {
  publish(event: AgentEvent): void;
  /** Returns the function that unsubscribes. */
  subscribe(listener: EventListener): () => void;
  /** Tells every node, this one included (best effort: lost while Redis is away). */
  announce(notice: NodeNotice): void;
  /** Returns the function that stops listening. */
  onNotice(listener: NoticeListener): () => void;
  close(): Promise<void>;
}

const LOCAL: EventMeta = { local: true };
const REMOTE: EventMeta = { local: false };
export const EVENT_META = { LOCAL, REMOTE };

export function createInMemoryEventBus(
  onListenerError: (error: unknown) => void = () => {},
  observer?: BusObserver,
): EventBus & { deliver(event: AgentEvent, meta: EventMeta, lagMs?: number): void; hear(notice: NodeNotice): void } {
  const listeners = new Set<EventListener>();
  const noticeListeners = new Set<NoticeListener>();
  function hear(notice: NodeNotice) {
    for (const listener of noticeListeners) {
      queueMicrotask(() => {
        try {
          listener(notice);
        } catch (error) {
          onListenerError(error);
        }
      });
    }
  }
  function deliver(event: AgentEvent, meta: EventMeta, lagMs?: number) {
    observer?.delivered(event, meta, lagMs);
    // Delivered on a later tick so a publisher never waits for, or fails because of, a listener.
    for (const listener of listeners) {
      queueMicrotask(() => {
        try {
          listener(event, meta);
        } catch (error) {
          onListenerError(error);
        }
      });
    }
  }
  return {
    deliver,
    hear,
    announce: hear,
    onNotice(listener) {
      noticeListeners.add(listener);
      return () => noticeListeners.delete(listener);
    },
    publish(event) {
      observer?.published(event);
      deliver(event, LOCAL);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      listeners.clear();
      noticeListeners.clear();
    },
  };
}
