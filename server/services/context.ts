import type { Message, CloseReason, QueuePosition } from '../../shared/chat.js';
import type { RoutingMode } from '../automations/automationsConfig.js';
import type { TicketStatus } from '../../shared/tickets.js';
import type { BusinessHours } from '../automations/businessHours.js';
import type { Database } from '../db/client.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import type { NodeMetrics } from '../metrics.js';
import type { MessageWriter } from './messages/messageWriter.js';
import type { IntakeWriter } from './chat/intakeWriter.js';
import type { ChatLinks } from './chat/chatLinks.js';

/** How services reach the customers' sockets, on every node (implemented by the realtime layer). */
export interface CustomerChannel {
  /** `except`: a socket that already has the message (its sender's, which asked not to be echoed). */
  message(sessionId: string, message: Message, except?: string): void;
  closed(sessionId: string, reason: CloseReason): void;
  ticketUpdated(sessionId: string, payload: { ticketNumber: number; status: string }): void;
  typing(sessionId: string, isTyping: boolean): void;
  /** An agent was assigned to the session's open chat. */
  agentJoined(sessionId: string, payload: { agentName: string }): void;
  /** The session's chat waits for an agent, at this 1-based place in the queue. */
  queuePosition(sessionId: string, payload: QueuePosition): void;
}

/** How chats find agents (PROTOCOL §8): the automations' `routing` and PRESENCE_TIMEOUT_MS. */
export interface RoutingSettings {
  mode: RoutingMode;
  defaultCapacity: number;
  reassignAfterOfflineMs: number;
  /** An agent is live while seen (event stream, API call) within this many ms. */
  presenceTimeoutMs: number;
  /** With the assistant on, a chat waits for a person only once escalated (or answered by one). */
  assistantOn: boolean;
}

/** What services need of routing: its settings, and a way to ask this node for a pass. */
export interface RoutingControl {
  settings: RoutingSettings;
  /**
   * Asks for a routing pass soon, after the caller's commit (passes are coalesced, one at a
   * time per node); `ticketIds`: chats that may now wait for a person.
   */
  request(ticketIds?: string[]): void;
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
  /** MAX_MESSAGES_PER_SESSION (the late-reply path checks it like the message writer does). */
  maxMessagesPerSession: number;
  /** PUBLIC_URL: where links in e-mails point. */
  publicUrl: string;
  /** E-mail the conversation whenever a chat ends (automations `transcriptOnClose`). */
  transcriptOnClose: boolean;
  /** Automations `businessHours`; undefined = always open. */
  businessHours?: BusinessHours;
  /** EVENT_REPLAY_HOURS: how far back an agent's event stream replays after a Last-Event-ID. */
  eventReplayMs: number;
}

/** The node's side of the mail outbox (PROTOCOL §9). */
export interface MailOutboxHandle {
  /** False without SMTP_URL: nothing is enqueued and what needs e-mail says so. */
  enabled: boolean;
  /** Tells this node's sender that an e-mail was committed (other nodes find it at their next poll). */
  wake(): void;
}

export interface ServiceContext {
  db: Database;
  bus: EventBus;
  customers: CustomerChannel;
  policy: ServicePolicy;
  logger: Logger;
  /** Commits chat messages (group commit). */
  messages: MessageWriter;
  /** Commits chat starts (group commit). */
  intake: IntakeWriter;
  metrics: NodeMetrics;
  mail: MailOutboxHandle;
  /** Signs and checks the `/c/<token>` links of e-mails. */
  links: ChatLinks;
  routing: RoutingControl;
}
