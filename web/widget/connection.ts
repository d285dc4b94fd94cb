import type { ChatResumed, ChatStarted } from '../../shared/chat.js';
import type { Ack } from '../../shared/errors.js';
import type { Locale } from '../../shared/messages.js';
import { newClientMsgId } from '../common/ids.js';
import { forwardServerEvents, openSocket, watchConnectivity, type SocketLife } from './connectivity.js';
import { createOutbox } from './outbox.js';
import {
  lastContiguousSeq,
  retryDelay,
  resumeAgain,
  type Action,
  type ContactValues,
  type FieldErrors,
  type WidgetState,
} from './state.js';

const ACK_TIMEOUT_MS = 15_000;

export interface ConnectionDeps {
  url: string;
  locale: Locale;
  getState(): WidgetState;
  dispatch(action: Action): void;
  text: { failed: string };
}

/**
 * The `/chat` socket: turns server events into Actions, attaches (start or resume with the
 * last seq seen) after every (re)connection, and sends pending messages once attached, always
 * with their first clientMsgId so a retry never stores a message twice.
 */
export function createConnection(deps: ConnectionDeps) {
  const socket = openSocket(deps.url, deps.locale);
  // An answer that arrives for an older socket life is stale.
  const life: SocketLife = { current: 0 };
  let retryAttempt = 0;
  const outbox = createOutbox({ ...deps, request, life, reattach: () => void resume() });
  watchConnectivity(socket, deps.dispatch, life, () => {
    if (deps.getState().session) void resume();
  });
  forwardServerEvents(socket, deps.dispatch);

  function request<T>(event: string, payload: unknown): Promise<Ack<T>> {
    return new Promise((resolve) => {
      socket.timeout(ACK_TIMEOUT_MS).emit(event, payload, (err: unknown, ack: Ack<T>) => {
        if (err || !ack || typeof ack !== 'object') {
          resolve({ ok: false, error: { code: 'UNAVAILABLE', message: 'timeout' } });
        } else resolve(ack);
      });
    });
  }

  async function resume() {
    const state = deps.getState();
    if (!state.session) return;
    const startedIn = life.current;
    const lastSeq = lastContiguousSeq(state.messages);
    // `hasMore`: the server answers at most 200 messages at a time (PROTOCOL §7).
    const ack = await request<ChatResumed & { hasMore?: boolean }>('chat:resume', {
      resumeToken: state.session.resumeToken,
      ...(lastSeq > 0 ? { lastSeq } : {}),
    });
    if (startedIn !== life.current) return; // the socket went away meanwhile; the next connect resumes
    if (ack.ok) {
      const { ticketNumber, sessionId, status, messages, hasMore } = ack.data;
      deps.dispatch({ type: 'resumed', ticketNumber, sessionId, status, messages });
      retryAttempt = 0;
      // Pending messages go out once the whole transcript is in: one may be stored already.
      if (resumeAgain(deps.getState(), lastSeq, hasMore)) void resume();
      else outbox.flush();
    } else if (ack.error.code === 'UNAUTHORIZED' || ack.error.code === 'NOT_FOUND') {
      deps.dispatch({ type: 'resumeRejected' });
    } else {
      setTimeout(() => {
        if (startedIn === life.current) void resume();
      }, retryDelay(retryAttempt++, Math.random(), ack.error));
    }
  }

  return {
    /** Opens the socket (once): at load for a visitor with a session, else when the form is shown. */
    connect() {
      if (!socket.connected && !socket.active) socket.connect();
    },

    /** `identityHash`: the host page vouched for this e-mail (see main.ts). */
    async start(values: ContactValues & { identityHash?: string }): Promise<void> {
      this.connect();
      deps.dispatch({ type: 'startRequested' });
      const ack = await request<ChatStarted>('chat:start', { ...values, locale: deps.locale });
      if (!ack.ok) {
        const fields = ack.error.fields as FieldErrors | undefined;
        // UNAUTHORIZED: the host's identityHash does not sign this e-mail (a misconfigured
        // host). The chat may still start, unverified, when the visitor tries again.
        const refused = ack.error.code === 'UNAUTHORIZED';
        deps.dispatch({ type: 'startFailed', error: fields ? '' : (!refused && ack.error.message) || deps.text.failed, fields, refused });
        return;
      }
      // Only these: the answer no longer says whether the customer existed (PROTOCOL §7).
      const { resumeToken, ticketNumber, sessionId } = ack.data;
      deps.dispatch({ type: 'started', session: { resumeToken, ticketNumber, sessionId } });
      outbox.flush();
    },

    send(body: string) {
      deps.dispatch({ type: 'messageQueued', clientMsgId: newClientMsgId(), body });
      outbox.flush();
    },

    typing(isTyping: boolean) {
      // Not volatile: a volatile packet is dropped whenever the transport is busy writing.
      if (socket.connected && deps.getState().attached) socket.emit('typing', { isTyping });
    },

    /** `chat:rate` (PROTOCOL §9); a chat already rated (CONFLICT: another tab) counts as rated. */
    async rate(score: number, comment: string): Promise<void> {
      const ack = await request<{ rated: true }>('chat:rate', { score, ...(comment.trim() ? { comment } : {}) });
      if (ack.ok || ack.error.code === 'CONFLICT') deps.dispatch({ type: 'rated' });
      else deps.dispatch({ type: 'chatError', error: ack.error.message });
    },

    async close(): Promise<void> {
      const ack = await request<{ status: 'closed' }>('chat:close', {});
      if (ack.ok) deps.dispatch({ type: 'chatClosed', reason: 'client' });
      else deps.dispatch({ type: 'chatError', error: ack.error.message });
    },
  };
}

export type ChatConnection = ReturnType<typeof createConnection>;
