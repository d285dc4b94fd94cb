import type { TicketPriority, TicketSource, TicketStatus } from './tickets.js';

/**
 * The shapes the agent API answers with (PROTOCOL §4). Times are ISO-8601 strings in UTC.
 * Agent tooling gets these through `AppRouter`; the console imports them directly.
 */

export type AgentRole = 'admin' | 'agent';

export interface Agent {
  id: string;
  name: string;
  email: string;
  role: AgentRole;
  createdAt: string;
  revokedAt: string | null;
  /** Open chats routing may give this agent; null: the automations' `routing.defaultCapacity` (PROTOCOL §8). */
  capacity: number | null;
}

/** What an agent asks to be (`agents.setStatus`), and what `agents.presence` reads (PROTOCOL §8). */
export const AGENT_STATUSES = ['online', 'away', 'offline'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/**
 * An agent as routing sees it, the same on every node: `status` is what it asked for while it
 * is live (an open event stream on some node, or an API call within the presence window), else
 * `offline`; `openChats` its assigned chats still open; `capacity` the effective one.
 */
export interface AgentPresence {
  id: string;
  name: string;
  status: AgentStatus;
  openChats: number;
  capacity: number;
}

/** A customer (PROTOCOL §4 "Client"). */
export interface Client {
  id: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  totalTickets: number;
  createdAt: string;
}

export interface TicketSummary {
  id: string;
  number: number;
  subject: string;
  status: TicketStatus;
  priority: TicketPriority;
  source: TicketSource;
  category: string | null;
  escalated: boolean;
  client: { id: string; name: string | null; email: string | null; phone: string | null };
  assigneeId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A ticket with everything on its row; what create and update answer with. */
export interface Ticket extends TicketSummary {
  description: string;
  escalatedAt: string | null;
  firstResponseAt: string | null;
  resolvedAt: string | null;
  closedAt: string | null;
}

export interface ChatSessionSummary {
  id: string;
  ticketId: string;
  status: 'active' | 'closed';
  startedAt: string;
  endedAt: string | null;
  messageCount: number;
  /** Whether the host site vouched for the visitor's e-mail (identity verification); an
   * unverified chat's words are the visitor's claim, not necessarily the customer's. */
  verified: boolean;
  /** How the intake found the customer: by the typed e-mail, by the typed phone, or created it. */
  matchedBy: ChatMatchedBy;
  /** What the visitor typed at the start (the customer on file may hold other values). */
  typed: { name: string; email: string; phone: string };
  /** The chat ended (visitor or timeout) with no agent reply in it (`chat.abandoned`). */
  unanswered: boolean;
}

export type ChatMatchedBy = 'email' | 'phone' | 'new';

export const CONTACT_FIELDS = ['name', 'email', 'phone'] as const;
export type ContactField = (typeof CONTACT_FIELDS)[number];

/**
 * A value an unverified chat's visitor typed for a field its customer lacks. Never written by
 * itself (PROTOCOL §7); an agent accepts it with `clients.acceptSuggestion`.
 */
export interface ContactSuggestion {
  sessionId: string;
  field: ContactField;
  value: string;
}

/** One row of a ticket's audit trail. */
export interface TicketEvent {
  id: number;
  type: string;
  actorType: 'agent' | 'client' | 'system';
  actorId: string | null;
  data: Record<string, unknown>;
  createdAt: string;
}

/** An agent's private note on a ticket (PROTOCOL §8): agents only, never the customer. */
export interface Note {
  id: string;
  ticketId: string;
  agentId: string;
  body: string;
  createdAt: string;
}

/** A canned response, shared by the team (PROTOCOL §8). */
export interface CannedResponse {
  id: string;
  shortcut: string;
  title: string;
  body: string;
}

/** `tickets.get`: the ticket with its customer, chats and audit trail. */
export interface TicketDetail extends Omit<Ticket, 'client'> {
  client: Client;
  chatSessions: ChatSessionSummary[];
  /** Contact suggestions from this ticket's unverified chats. */
  suggestions: ContactSuggestion[];
  events: TicketEvent[];
  /** Agents' private notes, oldest first. */
  notes: Note[];
}

/** A `tickets.list` item: the summary and what the caller has not read of it. */
export interface TicketListItem extends TicketSummary {
  /** Customer messages after the caller's read mark (`tickets.markRead`). */
  unreadCount: number;
}

export interface TicketPage {
  items: TicketListItem[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export interface ClientHistory {
  client: Client;
  tickets: TicketSummary[];
  chatSessions: ChatSessionSummary[];
}

export type BySource<T> = Record<TicketSource, T>;

export interface MetricsSummary {
  /** Tickets of source `chat` created in the range. */
  chatTickets: number;
  ticketsBySource: BySource<number>;
  /** (RESOLVED + CLOSED) / created, per source; null when a source has no ticket in the range. */
  resolutionRateBySource: BySource<number | null>;
  /** Mean of (resolved_at, else closed_at) − created_at in ms over tickets that have one; null when none. */
  avgHandleTimeMsBySource: BySource<number | null>;
  /**
   * Customers with a ticket in the range who, counting every ticket created before the end of
   * the range (whatever its channel), have more than one: they came back.
   */
  returningClients: number;
  /** Chat tickets the assistant handed to people (AUTOMATIONS_FILE `assistant`). */
  escalatedChats: number;
  /** escalatedChats / chatTickets; null without chat tickets. */
  escalationRate: number | null;
  /** Mean confidence of the answers that led to an escalation; null without escalations. */
  avgEscalationConfidence: number | null;
  /**
   * Chat tickets the bot answered and whose visitor closed the chat, with no escalation and no
   * agent reply. A chat the visitor walked away from (timeout) is not counted.
   */
  botResolvedChats: number;
  // §8 metrics. All over the chat sessions of chat tickets created in the range.
  /** From a chat's first customer message to the first agent message after it, in ms; null without one. */
  firstResponseMs: { avg: number | null; p50: number | null; p90: number | null };
  /** Chats that ended (visitor or timeout) with no agent message: `unanswered` sessions. */
  unansweredChats: number;
  /**
   * Mean ms from the moment a chat ticket waits for a person — its creation, or its escalation
   * when the assistant handed it over — to its first assignment (audit rows `ticket.assigned`,
   * or `ticket.updated` setting `assigneeId`; 0 when assigned before); null while none was assigned.
   */
  avgQueueWaitMs: number | null;
  /** Per agent with a chat assigned or a ticket resolved in the range; most chats first. */
  byAgent: AgentMetrics[];
  /**
   * Satisfaction (PROTOCOL §9), over the chat sessions of chat tickets created in the range:
   * mean score 1–5 (null without ratings), ratings given, and ratings / chats ended.
   */
  csat: { avg: number | null; responses: number; responseRate: number | null };
}

/** One bucket of `metrics.timeseries` (PROTOCOL §12): tickets created in it, and their chats. */
export interface TimeseriesBucket {
  /** ISO-8601 instant where the bucket begins: an hour, or a midnight in the chosen time zone. */
  start: string;
  /** Tickets of source `chat` created in the bucket; over a range they sum to `chatTickets`. */
  chatsStarted: number;
  ticketsBySource: BySource<number>;
  /** Chats (sessions) of those chat tickets that ended unanswered. */
  unanswered: number;
  /** Tickets (any source) created in the bucket that are RESOLVED or CLOSED now. */
  resolved: number;
  /** p50 first response over the chats of the bucket's chat tickets; null when none was answered. */
  firstResponseMsP50: number | null;
  /** Mean satisfaction score (§9) of those chats; null until ratings exist. */
  csatAvg: number | null;
}

export interface MetricsTimeseries {
  buckets: TimeseriesBucket[];
}

export interface AgentMetrics {
  agentId: string;
  /** Chat tickets created in the range that are assigned to this agent. */
  chats: number;
  /** p50 first response over the chats of those tickets; null when none was answered. */
  firstResponseMsP50: number | null;
  /** Tickets (any source) created in the range that this agent set to RESOLVED, or resolved by ending their chat. */
  resolved: number;
}
