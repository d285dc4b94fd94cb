import type { Ack } from './errors.js';
import type { ChatCloseInput, ChatResumeInput } from './schemas.js';
import type { ChatRateInput } from './chatActions.js';

/**
 * The Socket.IO contract of the `/chat` namespace (PROTOCOL §2). Payload types are what
 * a client sends; the server never trusts them and parses each with its zod schema.
 */

export const CHAT_NAMESPACE = '/chat';

export type SenderType = 'client' | 'agent' | 'bot' | 'system';
export type ChatStatus = 'active' | 'closed';
export type CloseReason = 'client' | 'agent' | 'timeout';

export interface Message {
  id: string;
  sessionId: string;
  seq: number;
  senderType: SenderType;
  senderName?: string;
  body: string;
  clientMsgId?: string;
  createdAt: string;
}

/**
 * The `chat:start` answer (PROTOCOL §7): nothing that tells a visitor whether the e-mail or
 * phone typed belongs to a customer.
 */
export interface ChatStarted {
  sessionId: string;
  resumeToken: string;
  ticketId: string;
  ticketNumber: number;
}

/** A resume answers at most this many messages; `hasMore` says to resume again from the last seq. */
export const RESUME_PAGE_MESSAGES = 200;

export interface ChatResumed {
  sessionId: string;
  ticketId: string;
  ticketNumber: number;
  status: ChatStatus;
  /** The next page of messages after `lastSeq`, in seq order (at most RESUME_PAGE_MESSAGES). */
  messages: Message[];
  /** true: more messages follow; resume again with `lastSeq` = the last seq of `messages`. */
  hasMore: boolean;
  /**
   * Present (true) when the chat has ended but was opened by a `/c/` link: a message sent now
   * opens a new session of the same ticket (PROTOCOL §9), answered with its own sessionId.
   */
  continuable?: true;
}

export interface ChatTranscript {
  sessionId: string;
  ticketNumber: number;
  status: ChatStatus;
  messages: Message[];
  hasMore: boolean;
  /** As in ChatResumed. */
  continuable?: true;
}

export interface QueuePosition {
  /** 1 = the next chat an agent gets. */
  position: number;
}

export interface ChatStartPayload {
  name: string;
  email: string;
  phone: string;
  locale?: string;
  message?: string;
}

export interface MessageSendPayload {
  body: string;
  clientMsgId: string;
}

type AckFn<T> = (result: Ack<T>) => void;

export interface ClientToServerEvents {
  'chat:start': (payload: ChatStartPayload, ack: AckFn<ChatStarted>) => void;
  'chat:resume': (payload: ChatResumeInput, ack: AckFn<ChatResumed>) => void;
  'message:send': (payload: MessageSendPayload, ack: AckFn<Message>) => void;
  typing: (payload: { isTyping: boolean }) => void;
  'chat:close': (payload: ChatCloseInput, ack: AckFn<{ status: 'closed' }>) => void;
  /** PROTOCOL §9: once per session; again → CONFLICT. */
  'chat:rate': (payload: ChatRateInput, ack: AckFn<{ rated: true }>) => void;
  /** PROTOCOL §9: e-mails the whole conversation to the session's e-mail. */
  'chat:transcript': (payload: Record<string, never>, ack: AckFn<{ queued: true }>) => void;
}

export interface ServerToClientEvents {
  'message:new': (message: Message) => void;
  typing: (payload: { from: 'agent'; isTyping: boolean }) => void;
  'chat:closed': (payload: { reason: CloseReason }) => void;
  'ticket:updated': (payload: { ticketNumber: number; status: string }) => void;
  /** An agent was assigned to this open chat (PROTOCOL §8). */
  'agent:joined': (payload: { agentName: string }) => void;
  /** The chat waits for an agent: its 1-based place in the queue, sent on every change (PROTOCOL §8). */
  'queue:position': (payload: QueuePosition) => void;
}

/** Room of every socket attached to one chat session, on every node. */
export function sessionRoom(sessionId: string): string {
  return `session:${sessionId}`;
}

/**
 * Events nodes send one another through the adapter (`serverSideEmit`): none — nodes share
 * rooms through the adapter and domain events through the bus.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface InterServerEvents {}

/** What the ack of a client event carries when it succeeds; `never` for events without an ack. */
export type AckData<E extends keyof ClientToServerEvents> =
  Parameters<ClientToServerEvents[E]> extends [unknown, AckFn<infer T>] ? T : never;

/** The client events that are answered with an ack (all but `typing`). */
export type AckedEvent = {
  [E in keyof ClientToServerEvents]: [AckData<E>] extends [never] ? never : E;
}[keyof ClientToServerEvents];
