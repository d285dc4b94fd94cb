import type { Message, CloseReason } from '../../shared/chat.js';
import type { TicketStatus } from '../../shared/tickets.js';
import type { Database } from '../db/client.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import type { NodeMetrics } from '../metrics.js';
import type { MessageWriter } from './messages/messageWriter.js';

/** How services reach the customers' sockets, on every node (implemented by the realtime layer). */
export interface CustomerChannel {
  message(sessionId: string, message: Message): void;
  closed(sessionId: string, reason: CloseReason): void;
  ticketUpdated(sessionId: string, payload: { ticketNumber: number; status: string }): void;
  typing(sessionId: string, isTyping: boolean): void;
  /** An agent was assigned to the session's open chat. */
  agentJoined(sessionId: string, payload: { agentName: string }): void;
}

export interface ServicePolicy {
  defaultPhoneRegion: string;
  /** Time zone of dates written for people; undefined = the system's. */
  timeZone: string | undefined;
  /** Status the ticket takes when its chat ends; null leaves it. */
  closeTicketOnChatEnd: TicketStatus | null;
  /** IDENTITY_SECRET: when set, host sites may vouch for a visitor's e-mail. */
  identitySecret?: string;
  /** RESUME_TOKEN_TTL_HOURS: how long after its chat ended a resume token still opens it. */
  resumeTokenTtlMs: number;
  /** EVENT_REPLAY_HOURS: how far back an agent's event stream replays after a Last-Event-ID. */
  eventReplayMs: number;
}

export interface ServiceContext {
  db: Database;
  bus: EventBus;
  customers: CustomerChannel;
  policy: ServicePolicy;
  logger: Logger;
  /** Commits chat messages (group commit). */
  messages: MessageWriter;
  metrics: NodeMetrics;
}
