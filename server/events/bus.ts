import type { DomainEvent } from '../../shared/tickets.js';

/** `local` is true for events that happened on this node (automations act on those only). */
export interface EventMeta {
  local: boolean;
}

export type EventListener = (event: DomainEvent, meta: EventMeta) => void;

/**
 * Domain events, published by services after commit and delivered to every subscriber on
 * every node. In-process here; a Redis pub/sub implementation keeps the same interface.
 */
export interface EventBus {
  publish(event: DomainEvent): void;
  /** Returns the function that unsubscribes. */
  subscribe(listener: EventListener): () => void;
  close(): Promise<void>;
}

const LOCAL: EventMeta = { local: true };
const REMOTE: EventMeta = { local: false };
export const EVENT_META = { LOCAL, REMOTE };

export function createInMemoryEventBus(
  onListenerError: (error: unknown) => void = () => {},
): EventBus & { deliver(event: DomainEvent, meta: EventMeta): void } {
  const listeners = new Set<EventListener>();
  function deliver(event: DomainEvent, meta: EventMeta) {
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
    publish(event) {
      deliver(event, LOCAL);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      listeners.clear();
    },
  };
}
