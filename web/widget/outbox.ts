import type { Message } from '../../shared/chat.js';
import type { Ack, ErrorBody } from '../../shared/errors.js';
import type { SocketLife } from './connectivity.js';
import { retryDelay, sendable, type Action, type WidgetState } from './state.js';

/** Errors after which the same request may succeed later. */
const RETRYABLE = new Set(['RATE_LIMITED', 'UNAVAILABLE', 'INTERNAL', 'TIMEOUT']);

export interface OutboxDeps {
  getState(): WidgetState;
  dispatch(action: Action): void;
  request<T>(event: string, payload: unknown): Promise<Ack<T>>;
  life: SocketLife;
  /** The socket lost its session: attach again (the outbox is flushed after). */
  reattach(): void;
}

/**
 * The visitor's messages on their way: each is emitted with its first clientMsgId, so a retry
 * never stores it twice; retryable refusals are sent again with backoff.
 */
export function createOutbox(deps: OutboxDeps) {
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let retryAttempt = 0;

  function flush() {
    for (const pending of sendable(deps.getState())) {
      const sentIn = deps.life.current;
      deps.dispatch({ type: 'messageEmitted', clientMsgId: pending.clientMsgId });
      // echo: false — the ack carries the message; the visitor's other tabs still get message:new.
      void deps.request<Message>('message:send', { body: pending.body, clientMsgId: pending.clientMsgId, echo: false }).then((ack) => {
        // A late success still counts (the message is stored); a late failure was already requeued.
        if (ack.ok) return deps.dispatch({ type: 'messageAcked', message: ack.data });
        if (sentIn !== deps.life.current) return;
        refused(pending.clientMsgId, ack.error);
      });
    }
  }

  function refused(clientMsgId: string, error: ErrorBody) {
    if (error.code === 'UNAUTHORIZED') {
      // This socket lost its session (e.g. the node restarted under it): attach again, then resend.
      deps.dispatch({ type: 'messageFailed', clientMsgId, error: error.message, retry: true });
      deps.reattach();
      return;
    }
    const retry = RETRYABLE.has(error.code);
    deps.dispatch({ type: 'messageFailed', clientMsgId, error: error.message, retry });
    if (error.code === 'CLOSED') deps.dispatch({ type: 'chatClosed', reason: 'agent' });
    if (retry) {
      deps.dispatch({ type: 'chatError', error: error.message });
      clearTimeout(retryTimer);
      retryTimer = setTimeout(flush, retryDelay(retryAttempt++, Math.random(), error));
    }
  }

  return { flush };
}
