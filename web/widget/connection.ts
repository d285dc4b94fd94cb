import { io, type Socket } from 'socket.io-client';
import type { ChatResumed, ChatStarted, Message } from '../../shared/chat.js';
import type { Ack, ErrorBody } from '../../shared/errors.js';
import type { Locale } from '../../shared/messages.js';
import { newClientMsgId } from '../common/ids.js';
import {
  backoffDelay,
  lastContiguousSeq,
  resumeAgain,
  sendable,
  type Action,
  type ContactValues,
  type FieldErrors,
  type WidgetState,
} from './state.js';

const ACK_TIMEOUT_MS = 15_000;
/** Errors after which the same request may succeed later. */
const RETRYABLE = new Set(['RATE_LIMITED', 'UNAVAILABLE', 'INTERNAL', 'TIMEOUT']);

export interface ConnectionDeps {
  url: string;
  locale: Locale;
  getState(): WidgetState;
  dispatch(action: Action): void;
  text: { failed: string };
}

type AnySocket = Socket;

/**
 * The `/chat` socket: turns server events into Actions, attaches (start or resume with the
 * last seq seen) after every (re)connection, and sends pending messages once attached, always
 * with their first clientMsgId so a retry never stores a message twice.
 */
export function createConnection(deps: ConnectionDeps) {
  const socket: AnySocket = io(`${deps.url}/chat`, {
    autoConnect: false,
    // WebSocket first: it needs no sticky sessions behind a load balancer. Long-polling only
    // where WebSockets are blocked.
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 10_000,
    randomizationFactor: 0.5,
    auth: { locale: deps.locale },
  });
  // Bumped on every disconnect: an answer that arrives for an older socket life is stale.
  let life = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let retryAttempt = 0;
  let reconnectAttempt = 0;

  socket.on('connect', () => {
    life++;
    reconnectAttempt = 0;
    deps.dispatch({ type: 'connection', connection: 'online' });
    if (deps.getState().session) void resume();
  });

  socket.on('disconnect', (reason) => {
    life++;
    deps.dispatch({ type: 'connection', connection: navigator.onLine === false ? 'offline' : 'connecting' });
    // The server sent us away (shutdown, rebalancing): Socket.IO will not come back on its
    // own in that case, so reconnect with our own backoff.
    if (reason === 'io server disconnect') scheduleReconnect();
  });

  socket.on('connect_error', () => {
    // The server is away (restarting, deploying): "connecting", not "offline", unless the
    // browser itself has no network.
    deps.dispatch({ type: 'connection', connection: navigator.onLine === false ? 'offline' : 'connecting' });
    if (!socket.active) scheduleReconnect();
  });

  socket.on('message:new', (message: Message) => deps.dispatch({ type: 'messageReceived', message }));
  socket.on('typing', (payload: { isTyping?: unknown }) =>
    deps.dispatch({ type: 'agentTyping', isTyping: payload?.isTyping === true }),
  );
  socket.on('chat:closed', (payload: { reason?: 'client' | 'agent' | 'timeout' }) =>
    deps.dispatch({ type: 'chatClosed', reason: payload?.reason ?? 'agent' }),
  );
  socket.on('ticket:updated', (payload: { ticketNumber: number; status: string }) =>
    deps.dispatch({ type: 'ticketUpdated', ticketNumber: payload.ticketNumber, status: payload.status }),
  );

  // The browser knows before any heartbeat does: drop the socket when the network goes and
  // come back (then resume) as soon as it returns.
  let droppedOffline = false;
  window.addEventListener('offline', () => {
    if (socket.connected || socket.active) {
      droppedOffline = true;
      socket.disconnect();
    }
    deps.dispatch({ type: 'connection', connection: 'offline' });
  });
  window.addEventListener('online', () => {
    if (!droppedOffline) return;
    droppedOffline = false;
    deps.dispatch({ type: 'connection', connection: 'connecting' });
    socket.connect();
  });

  function scheduleReconnect() {
    const delay = backoffDelay(reconnectAttempt++, Math.random());
    setTimeout(() => {
      if (!socket.connected) socket.connect();
    }, delay);
  }

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
    const startedIn = life;
    const lastSeq = lastContiguousSeq(state.messages);
    // `hasMore`: the server answers at most 200 messages at a time (PROTOCOL §7).
    const ack = await request<ChatResumed & { hasMore?: boolean }>('chat:resume', {
      resumeToken: state.session.resumeToken,
      ...(lastSeq > 0 ? { lastSeq } : {}),
    });
    if (startedIn !== life) return; // the socket went away meanwhile; the next connect resumes
    if (ack.ok) {
      const { ticketNumber, sessionId, status, messages, hasMore } = ack.data;
      deps.dispatch({ type: 'resumed', ticketNumber, sessionId, status, messages });
      retryAttempt = 0;
      // Pending messages go out once the whole transcript is in: one may be stored already.
      if (resumeAgain(deps.getState(), lastSeq, hasMore)) void resume();
      else flush();
    } else if (ack.error.code === 'UNAUTHORIZED' || ack.error.code === 'NOT_FOUND') {
      deps.dispatch({ type: 'resumeRejected' });
    } else {
      setTimeout(() => {
        if (startedIn === life) void resume();
      }, backoffDelay(retryAttempt++, Math.random()));
    }
  }

  /** Emits every queued message on the attached socket. */
  function flush() {
    for (const pending of sendable(deps.getState())) {
      const sentIn = life;
      deps.dispatch({ type: 'messageEmitted', clientMsgId: pending.clientMsgId });
      void request<Message>('message:send', { body: pending.body, clientMsgId: pending.clientMsgId }).then((ack) => {
        // A late success still counts (the message is stored); a late failure was already requeued.
        if (ack.ok) return deps.dispatch({ type: 'messageAcked', message: ack.data });
        if (sentIn !== life) return;
        onSendError(pending.clientMsgId, ack.error);
      });
    }
  }

  function onSendError(clientMsgId: string, error: ErrorBody) {
    if (error.code === 'UNAUTHORIZED') {
      // This socket lost its session (e.g. the node restarted under it): attach again, then resend.
      deps.dispatch({ type: 'messageFailed', clientMsgId, error: error.message, retry: true });
      void resume();
      return;
    }
    const retry = RETRYABLE.has(error.code);
    deps.dispatch({ type: 'messageFailed', clientMsgId, error: error.message, retry });
    if (error.code === 'CLOSED') deps.dispatch({ type: 'chatClosed', reason: 'agent' });
    if (retry) {
      deps.dispatch({ type: 'chatError', error: error.message });
      clearTimeout(retryTimer);
      retryTimer = setTimeout(flush, backoffDelay(retryAttempt++, Math.random()));
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
      flush();
    },

    send(body: string) {
      deps.dispatch({ type: 'messageQueued', clientMsgId: newClientMsgId(), body });
      flush();
    },

    typing(isTyping: boolean) {
      // Not volatile: a volatile packet is dropped whenever the transport is busy writing.
      if (socket.connected && deps.getState().attached) socket.emit('typing', { isTyping });
    },

    async close(): Promise<void> {
      const ack = await request<{ status: 'closed' }>('chat:close', {});
      if (ack.ok) deps.dispatch({ type: 'chatClosed', reason: 'client' });
      else deps.dispatch({ type: 'chatError', error: ack.error.message });
    },
  };
}

export type ChatConnection = ReturnType<typeof createConnection>;
