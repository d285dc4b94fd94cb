import type { ChatStatus, CloseReason, Message } from '../../shared/chat.js';
import { agentNameOf, queuePositionOf } from './serverPayloads.js';

/**
 * The widget's whole state and every way it changes, with no DOM and no socket: the view
 * renders a WidgetState, the connection turns socket events into Actions. Pure, so the
 * rules that keep a chat intact (dedup by seq, retries by clientMsgId) are unit-tested.
 */

export const FIELDS = ['name', 'email', 'phone'] as const;
export type Field = (typeof FIELDS)[number];
export type ContactValues = Record<Field, string>;
export type FieldErrors = Partial<Record<Field, string>>;

export type Phase = 'form' | 'starting' | 'chat';
export type Connection = 'connecting' | 'online' | 'offline';

/** A message the visitor wrote that the server has not acknowledged yet. */
export interface PendingMessage {
  clientMsgId: string;
  body: string;
  /** `sending`: emitted on the current socket; `queued`: waits for the next attach; `failed`: refused for good. */
  state: 'sending' | 'queued' | 'failed';
  error?: string;
}

/** A shopper the host page vouched for (PROTOCOL §7): the e-mail its `identityHash` signs. */
export interface Identity {
  email: string;
  hash: string;
}

export interface SessionInfo {
  resumeToken: string;
  ticketNumber: number;
  sessionId?: string;
}

/** A line the widget itself shows in the transcript (not a stored message). */
export interface Notice {
  key: string;
  /** `agentJoined`: `value` is the agent's name as shown (may be empty: then "an agent"). */
  kind: 'ticketStatus' | 'closed' | 'agentJoined';
  value: string;
  /** Shown after the message with this seq (0: before any). */
  afterSeq: number;
}

export interface WidgetState {
  open: boolean;
  phase: Phase;
  connection: Connection;
  /** True once `chat:start`/`chat:resume` succeeded on the current socket. */
  attached: boolean;
  form: {
    values: ContactValues;
    errors: FieldErrors;
    /** Fields whose error is shown: typed into, left, or submitted. */
    touched: Partial<Record<Field, boolean>>;
    submitError?: string;
  };
  /** Sent as `identityHash` with `chat:start` while the form's e-mail is still this one. Never stored. */
  identity?: Identity;
  session?: SessionInfo;
  status: ChatStatus;
  closeReason?: CloseReason;
  messages: Message[];
  pending: PendingMessage[];
  agentTyping: boolean;
  /** The chat's place in the queue (1: next), from `queue:position`, until an agent joins. */
  queuePosition?: number;
  ticketStatus?: string;
  notices: Notice[];
  /** A failure to show above the composer (rate limited, unavailable…), cleared by the next success. */
  chatError?: string;
  /** After the chat ended (PROTOCOL §9): the visitor rated it, or chose not to. */
  rating?: 'rated' | 'skipped';
  /**
   * Why nobody would answer a chat now (`GET /api/chat/availability`, PROTOCOL §9: `closed`,
   * `no_agents`), asked at each open: then the offline form stands in for the pre-chat form.
   */
  offline?: string;
}

export type Action =
  | { type: 'toggle'; open: boolean }
  | { type: 'availability'; offline?: string }
  | { type: 'fieldChanged'; field: Field; value: string; errors: FieldErrors }
  | { type: 'fieldBlurred'; field: Field }
  | { type: 'identify'; values: ContactValues; errors: FieldErrors; identity?: Identity }
  | { type: 'forget' }
  | { type: 'submitInvalid'; errors: FieldErrors }
  | { type: 'startRequested' }
  | { type: 'startFailed'; error: string; fields?: FieldErrors; refused?: boolean }
  | { type: 'started'; session: SessionInfo; messages?: Message[] }
  | { type: 'resumed'; ticketNumber: number; sessionId: string; status: ChatStatus; messages: Message[] }
  | { type: 'resumeRejected' }
  | { type: 'connection'; connection: Connection }
  | { type: 'messageQueued'; clientMsgId: string; body: string }
  | { type: 'messageEmitted'; clientMsgId: string }
  | { type: 'messageAcked'; message: Message }
  | { type: 'messageFailed'; clientMsgId: string; error: string; retry: boolean }
  | { type: 'messageReceived'; message: Message }
  | { type: 'agentTyping'; isTyping: boolean }
  | { type: 'ticketUpdated'; ticketNumber: number; status: string }
  // Raw from the server: the reducer checks them (queuePositionOf, agentNameOf).
  | { type: 'queuePosition'; position: unknown }
  | { type: 'agentJoined'; agentName: unknown }
  | { type: 'chatClosed'; reason: CloseReason }
  | { type: 'chatError'; error: string }
  | { type: 'rated' }
  | { type: 'ratingSkipped' }
  | { type: 'newChat' };

export const EMPTY_CONTACT: ContactValues = { name: '', email: '', phone: '' };

export function initialState(init: {
  contact?: Partial<ContactValues>;
  session?: SessionInfo;
  pending?: PendingMessage[];
} = {}): WidgetState {
  return {
    open: false,
    phase: init.session ? 'chat' : 'form',
    connection: 'connecting',
    attached: false,
    form: { values: { ...EMPTY_CONTACT, ...init.contact }, errors: {}, touched: {} },
    session: init.session,
    status: 'active',
    messages: [],
    // Whatever was unacknowledged at the last reload goes out again on the first attach.
    pending: (init.pending ?? []).filter((p) => p.state !== 'failed').map((p) => ({ ...p, state: 'queued' })),
    agentTyping: false,
    notices: [],
  };
}

type FormAction = Extract<Action, { type: 'toggle' | 'availability' | 'fieldChanged' | 'identify' | 'forget' | 'fieldBlurred' | 'submitInvalid' | 'startRequested' | 'startFailed' }>;
type MessageAction = Extract<Action, { type: 'messageQueued' | 'messageEmitted' | 'messageAcked' | 'messageReceived' | 'messageFailed' }>;
type ChatAction = Extract<
  Action,
  { type: 'started' | 'resumed' | 'resumeRejected' | 'connection' | 'agentTyping' | 'ticketUpdated' | 'chatClosed' | 'chatError' | 'rated' | 'ratingSkipped' | 'newChat' }
>;
type QueueAction = Extract<Action, { type: 'queuePosition' | 'agentJoined' }>;

export function reducer(state: WidgetState, action: Action): WidgetState {
  switch (action.type) {
    case 'toggle':
    case 'availability':
    case 'fieldChanged':
    case 'identify':
    case 'forget':
    case 'fieldBlurred':
    case 'submitInvalid':
    case 'startRequested':
    case 'startFailed':
      return formReducer(state, action);
    case 'messageQueued':
    case 'messageEmitted':
    case 'messageAcked':
    case 'messageReceived':
    case 'messageFailed':
      return messagesReducer(state, action);
    case 'queuePosition':
    case 'agentJoined':
      return queueReducer(state, action);
    default:
      return chatReducer(state, action);
  }
}

/** The pre-chat form: what is typed, its errors, the vouched identity, the start request. */
function formReducer(state: WidgetState, action: FormAction): WidgetState {
  switch (action.type) {
    case 'toggle':
      return { ...state, open: action.open };

    case 'availability':
      return { ...state, offline: action.offline };

    case 'fieldChanged':
      return {
        ...state,
        form: {
          values: { ...state.form.values, [action.field]: action.value },
          errors: action.errors,
          touched: { ...state.form.touched, [action.field]: true },
        },
        // The host vouched for one e-mail: edited into another, the chat is no longer verified.
        identity: action.field !== 'email' || sameEmail(action.value, state.identity?.email) ? state.identity : undefined,
      };

    case 'identify': {
      // Another person signed in on this browser: the chat stored here is not theirs to resume.
      const other = state.session && !state.attached && !sameEmail(action.values.email, state.form.values.email);
      return { ...(other ? freshForm(state) : state), identity: action.identity, form: { values: action.values, errors: action.errors, touched: {} } };
    }

    case 'forget':
      return { ...state, identity: undefined, form: { values: EMPTY_CONTACT, errors: {}, touched: {} } };

    case 'fieldBlurred':
      return { ...state, form: { ...state.form, touched: { ...state.form.touched, [action.field]: true } } };

    case 'submitInvalid':
      return { ...state, form: { ...state.form, errors: action.errors, touched: allTouched() } };

    case 'startRequested':
      return { ...state, phase: 'starting', form: { ...state.form, submitError: undefined } };

    case 'startFailed':
      return {
        ...state,
        phase: 'form',
        identity: action.refused ? undefined : state.identity,
        form: {
          ...state.form,
          errors: action.fields ?? state.form.errors,
          touched: action.fields ? allTouched() : state.form.touched,
          submitError: action.error,
        },
      };
  }
}

/** The visitor's messages on their way (pending, acked, failed) and those received. */
function messagesReducer(state: WidgetState, action: MessageAction): WidgetState {
  switch (action.type) {
    case 'messageQueued':
      if (state.status === 'closed') return state;
      return { ...state, pending: [...state.pending, { clientMsgId: action.clientMsgId, body: action.body, state: 'queued' }] };

    case 'messageEmitted':
      return {
        ...state,
        pending: state.pending.map((p) => (p.clientMsgId === action.clientMsgId ? { ...p, state: 'sending' } : p)),
      };

    case 'messageAcked': {
      const next = mergeMessages(state, [action.message]);
      return next.chatError ? { ...next, chatError: undefined } : next;
    }

    case 'messageReceived':
      return mergeMessages(state, [action.message]);

    case 'messageFailed':
      return {
        ...state,
        pending: state.pending.map((p) =>
          p.clientMsgId === action.clientMsgId
            ? { ...p, state: action.retry ? 'queued' : 'failed', error: action.error }
            : p,
        ),
      };
  }
}

/** The chat itself: started, resumed, connected or not, typing, ticket updates, closed. */
function chatReducer(state: WidgetState, action: ChatAction): WidgetState {
  switch (action.type) {
    case 'started':
      return mergeMessages(
        {
          ...state,
          phase: 'chat',
          attached: true,
          session: action.session,
          status: 'active',
          closeReason: undefined,
          messages: [],
          // Only what came while starting: the server may announce the queue or an agent before its ack.
          notices: state.notices.filter((n) => n.kind === 'agentJoined'),
          chatError: undefined,
          rating: undefined,
        },
        action.messages ?? [],
      );

    case 'resumed': {
      if (!state.session) return state;
      const next = mergeMessages(
        {
          ...state,
          phase: 'chat',
          attached: true,
          status: action.status,
          session: { ...state.session, ticketNumber: action.ticketNumber, sessionId: action.sessionId },
          chatError: undefined,
        },
        action.messages,
      );
      if (action.status !== 'closed' || state.status === 'closed') return next;
      // A closed chat resumes read-only: what was not sent can no longer be.
      return { ...next, pending: [], agentTyping: false, queuePosition: undefined, notices: addNotice(next, 'closed', 'closed') };
    }

    case 'resumeRejected':
      // The token no longer opens a session: back to the (prefilled) form.
      return freshForm(state);

    case 'connection':
      if (action.connection === 'online') return { ...state, connection: 'online' };
      // Whatever was in flight is sent again, with the same clientMsgId, after the next attach.
      // The queue position is stale once away: the server tells it again after the resume
      // (and an agent may have joined meanwhile, unseen).
      return {
        ...state,
        connection: action.connection,
        attached: false,
        agentTyping: false,
        queuePosition: undefined,
        pending: state.pending.map((p) => (p.state === 'sending' ? { ...p, state: 'queued' } : p)),
      };

    case 'agentTyping':
      return { ...state, agentTyping: state.status === 'closed' ? false : action.isTyping };

    case 'ticketUpdated':
      if (state.ticketStatus === action.status) return state;
      return {
        ...state,
        ticketStatus: action.status,
        notices: addNotice(state, 'ticketStatus', action.status),
      };

    case 'chatClosed':
      if (state.status === 'closed') return state;
      return {
        ...state,
        status: 'closed',
        closeReason: action.reason,
        agentTyping: false,
        queuePosition: undefined,
        pending: state.pending.map((p) => ({ ...p, state: 'failed' })),
        notices: addNotice(state, 'closed', action.reason),
      };

    case 'chatError':
      return { ...state, chatError: action.error };

    case 'rated':
      return { ...state, rating: 'rated', chatError: undefined };

    case 'ratingSkipped':
      return { ...state, rating: 'skipped' };

    case 'newChat':
      return freshForm(state);
  }
}

/**
 * The wait for an agent (PROTOCOL §8): the queue position while queued, then a line in the
 * transcript when an agent joins. Payloads come from the server as they are: a value that is
 * not what the contract says changes nothing (a position) or shows no name (an agent).
 */
function queueReducer(state: WidgetState, action: QueueAction): WidgetState {
  // Not for a chat this widget shows: none yet (the form) or ended.
  if (state.phase === 'form' || state.status === 'closed') return state;
  if (action.type === 'queuePosition') {
    const position = queuePositionOf(action.position);
    if (position === undefined || position === state.queuePosition) return state;
    return { ...state, queuePosition: position };
  }
  return { ...state, queuePosition: undefined, notices: addNotice(state, 'agentJoined', agentNameOf(action.agentName)) };
}

function freshForm(state: WidgetState): WidgetState {
  return { ...initialState({ contact: state.form.values }), open: state.open, connection: state.connection, identity: state.identity };
}

/** Whether two e-mails are the same address as the server compares them (trimmed, lower-cased). */
export function sameEmail(a: string, b = ''): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/**
 * What localStorage keeps after `action` (PROTOCOL §7): the contact data of the last chat
 * started (prefills a returning visitor; "Not me" forgets it), and the resume token and unsent
 * messages only while the chat is open — once it ended, neither stays in the host page's storage.
 */
export function toStore(
  state: WidgetState,
  action: Action,
  contact?: Partial<ContactValues>,
): { contact?: Partial<ContactValues>; session?: SessionInfo; pending?: PendingMessage[] } {
  if (action.type === 'started') contact = state.form.values;
  if (action.type === 'forget') contact = undefined;
  if (state.status === 'closed' || !state.session) return { contact };
  return { contact, session: state.session, pending: state.pending.filter((p) => p.state !== 'failed') };
}

/**
 * Whether to `chat:resume` again: the answer said `hasMore` (missing means no, as from a
 * server without paging) and it moved us past `lastSeq`, so the next page starts further on.
 */
export function resumeAgain(state: WidgetState, lastSeq: number, hasMore?: boolean): boolean {
  return hasMore === true && lastContiguousSeq(state.messages) > lastSeq;
}

function allTouched(): Record<Field, boolean> {
  return { name: true, email: true, phone: true };
}

function addNotice(state: WidgetState, kind: Notice['kind'], value: string): Notice[] {
  const afterSeq = state.messages.at(-1)?.seq ?? 0;
  return [...state.notices, { key: `${kind}:${state.notices.length}`, kind, value, afterSeq }];
}

/**
 * Adds messages, keeping one per seq in seq order, and drops the pending entries they
 * acknowledge (same clientMsgId from the visitor).
 */
export function mergeMessages(state: WidgetState, incoming: Message[]): WidgetState {
  if (incoming.length === 0) return state;
  const bySeq = new Map<number, Message>();
  for (const message of state.messages) bySeq.set(message.seq, message);
  let added = false;
  for (const message of incoming) {
    if (!bySeq.has(message.seq)) {
      bySeq.set(message.seq, message);
      added = true;
    }
  }
  const delivered = new Set(
    incoming.filter((m) => m.senderType === 'client' && m.clientMsgId).map((m) => m.clientMsgId as string),
  );
  const pending = delivered.size ? state.pending.filter((p) => !delivered.has(p.clientMsgId)) : state.pending;
  if (!added && pending === state.pending) return state;
  const messages = added ? [...bySeq.values()].sort((a, b) => a.seq - b.seq) : state.messages;
  const agentSpoke = incoming.some((m) => m.senderType === 'agent');
  return { ...state, messages, pending, agentTyping: agentSpoke ? false : state.agentTyping };
}

/**
 * The seq to resume after: the end of the unbroken run from 1, so a message missed in a
 * gap is fetched again rather than skipped (duplicates are dropped by seq anyway).
 */
export function lastContiguousSeq(messages: Message[]): number {
  let last = 0;
  for (const message of messages) {
    if (message.seq === last + 1) last = message.seq;
    else if (message.seq > last + 1) break;
  }
  return last;
}

/** Pending messages to emit now: the queued ones, once the socket is attached to the session. */
export function sendable(state: WidgetState): PendingMessage[] {
  if (!state.attached || state.status === 'closed') return [];
  return state.pending.filter((p) => p.state === 'queued');
}

/** The wait before asking again after a refusal: the backoff, never sooner than the server's `retryAfterMs`. */
export function retryDelay(attempt: number, random: number, error: { retryAfterMs?: number }): number {
  return Math.max(backoffDelay(attempt, random), error.retryAfterMs ?? 0);
}

/** Reconnect delay for attempt n (0-based): exponential with jitter, capped. */
export function backoffDelay(attempt: number, random: number, baseMs = 500, maxMs = 10_000): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 10));
  return Math.round(exp / 2 + (exp / 2) * random);
}
