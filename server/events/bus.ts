import type { DomainEvent } from '../../shared/tickets.js';

export type EventListener = (event: DomainEvent) => void;

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

export function createInMemoryEventBus(onListenerError: (error: unknown) => void = () => {}): EventBus {
  const listeners = new Set<EventListener>();
  return {
    publish(event) {
      // Delivered on a later tick so a publisher never waits for, or fails because of, a listener.
      for (const listener of listeners) {
        queueMicrotask(() => {
          try {
            listener(event);
          } catch (error) {
            onListenerError(error);
          }
        });
      }
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
