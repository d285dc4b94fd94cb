import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  bigint,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () =>
  timestamp('updated_at', { withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date());

export const agents = pgTable(
  'agents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    email: text('email').notNull(),
    role: text('role', { enum: ['admin', 'agent'] }).notNull().default('agent'),
    /** SHA-256 of the API token, hex; the token itself is never stored. */
    tokenHash: text('token_hash').notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: createdAt(),
    /**
     * The status the agent asked for (`agents.setStatus`); it reads as such only while the agent
     * is live (`last_seen_at` within the presence window), else `offline` (PROTOCOL §8).
     */
    status: text('status', { enum: ['online', 'away', 'offline'] }).notNull().default('offline'),
    /** When `status` last changed; null: never asked (offline since always). */
    statusChangedAt: timestamp('status_changed_at', { withTimezone: true }),
    /** Last sign of life: an open event stream (refreshed by its node) or an API call. */
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }),
    /** Open chats routing may give this agent; null = the automations' `routing.defaultCapacity`. */
    capacity: integer('capacity'),
    /** When routing last gave this agent a chat: round robin's turn and least busy's tie break. */
    lastAssignedAt: timestamp('last_assigned_at', { withTimezone: true }),
    /**
     * The agent's open chats (PROTOCOL §8 `openChats`): active chat sessions of tickets assigned
     * to it. Kept by every statement that opens or ends a chat of an assigned ticket or moves a
     * ticket between agents (services/agents/openChats.ts), so routing reads it instead of
     * counting sessions on every pass; the periodic sweep recounts it.
     */
    openChats: integer('open_chats').notNull().default(0),
  },
  (t) => [
    uniqueIndex('agents_email_key').on(t.email),
    uniqueIndex('agents_token_hash_key').on(t.tokenHash),
    check('agents_role_check', sql`${t.role} in ('admin', 'agent')`),
    check('agents_status_check', sql`${t.status} in ('online', 'away', 'offline')`),
    check('agents_capacity_check', sql`${t.capacity} >= 0`),
  ],
);

export const clients = pgTable(
  'clients',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Trimmed and lower-cased; null only for customers known by phone alone (non-chat channels). */
    email: text('email'),
    name: text('name'),
    /** E.164. */
    phone: text('phone'),
    totalTickets: integer('total_tickets').notNull().default(0),
    /** Set by `clients.erase` (LGPD): name, e-mail and phone are gone; counts and tickets stay. */
    erasedAt: timestamp('erased_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('clients_email_key').on(t.email),
    uniqueIndex('clients_phone_key').on(t.phone),
    index('clients_name_idx').on(sql`lower(${t.name})`),
    // Search (tickets.list q, PROTOCOL §11): fragments of the name, e-mail and phone by trigrams.
    // The name's words (accents ignored, unstemmed: names are not inflected) are the stored
    // column `name_search` and clients_name_search_idx, written in drizzle/0014_client_name_words.sql
    // and kept out of this model so no `select()` of a customer carries them.
    index('clients_name_trgm_idx').using('gin', t.name.op('gin_trgm_ops')),
    index('clients_email_trgm_idx').using('gin', t.email.op('gin_trgm_ops')),
    index('clients_phone_trgm_idx').using('gin', t.phone.op('gin_trgm_ops')),
    check('clients_contact_check', sql`${t.email} is not null or ${t.phone} is not null or ${t.erasedAt} is not null`),
  ],
);

export const tickets = pgTable(
  'tickets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    number: integer('number').notNull().generatedAlwaysAsIdentity(),
    subject: text('subject').notNull(),
    description: text('description').notNull().default(''),
    status: text('status', { enum: ['OPEN', 'PENDING', 'RESOLVED', 'CLOSED'] })
      .notNull()
      .default('OPEN'),
    priority: text('priority', { enum: ['LOW', 'NORMAL', 'HIGH', 'URGENT'] })
      .notNull()
      .default('NORMAL'),
    source: text('source', { enum: ['chat', 'email', 'phone', 'web', 'api'] }).notNull(),
    category: text('category'),
    clientId: uuid('client_id')
      .notNull()
      .references(() => clients.id),
    assigneeId: uuid('assignee_id').references(() => agents.id),
    escalated: boolean('escalated').notNull().default(false),
    escalatedAt: timestamp('escalated_at', { withTimezone: true }),
    firstResponseAt: timestamp('first_response_at', { withTimezone: true }),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    /**
     * How many customer (`client`) messages the ticket's chats hold, kept by the message write
     * path: an agent's unread count is this minus its read mark (`ticket_reads`), so the list
     * never counts messages.
     */
    customerMessages: integer('customer_messages').notNull().default(0),
    /**
     * Whether its customer had a ticket (any channel) created before this one — the
     * `ticket.created` event's `returningClient` — kept by ticket creation, and worked out
     * again by creation time for the customer's tickets when a merge brings others in. A
     * customer with a ticket in a range is a returning one (metrics.summary) exactly when one of
     * its tickets in the range has this set: no look-up per customer.
     */
    returningClient: boolean('returning_client').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('tickets_number_key').on(t.number),
    // Keyset pagination is newest first by number; each list filter has its own index.
    index('tickets_source_number_idx').on(t.source, t.number),
    index('tickets_status_number_idx').on(t.status, t.number),
    index('tickets_client_number_idx').on(t.clientId, t.number),
    index('tickets_assignee_number_idx').on(t.assigneeId, t.number),
    // Reports read a range's tickets from this index alone (an index-only scan where the
    // visibility map allows): counts by source and status, handling times, returning customers.
    // Source never changes; the rest changes with status (indexed anyway) or in a merge.
    index('tickets_created_at_reports_idx').on(
      t.createdAt,
      t.source,
      t.status,
      t.resolvedAt,
      t.closedAt,
      t.returningClient,
      t.clientId,
    ),
    // Reports: a channel's tickets created in a time range (metrics.timeseries, per bucket).
    index('tickets_source_created_at_idx').on(t.source, t.createdAt),
    // Search (tickets.list q): the subject's fragments. Its words are the stored column
    // `subject_search` and tickets_subject_search_idx, written in drizzle/0009_search.sql and kept
    // out of this model so no `select()` of a ticket carries them.
    index('tickets_subject_trgm_idx').using('gin', t.subject.op('gin_trgm_ops')),
    check('tickets_status_check', sql`${t.status} in ('OPEN', 'PENDING', 'RESOLVED', 'CLOSED')`),
    check('tickets_priority_check', sql`${t.priority} in ('LOW', 'NORMAL', 'HIGH', 'URGENT')`),
    check('tickets_source_check', sql`${t.source} in ('chat', 'email', 'phone', 'web', 'api')`),
  ],
);

export const chatSessions = pgTable(
  'chat_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    clientId: uuid('client_id')
      .notNull()
      .references(() => clients.id),
    ticketId: uuid('ticket_id')
      .notNull()
      .references(() => tickets.id),
    /**
     * Its ticket's `created_at`, which never changes: reports take the chats of the tickets
     * created in a range from chat_sessions_ticket_created_at_idx, with no join per session.
     */
    ticketCreatedAt: timestamp('ticket_created_at', { withTimezone: true }).notNull(),
    /** Exactly what the visitor typed (the customer row may hold other values). */
    userName: text('user_name').notNull(),
    userEmail: text('user_email').notNull(),
    userPhone: text('user_phone').notNull(),
    locale: text('locale').notNull().default('pt-BR'),
    /** True when the host site vouched for the e-mail with an identity hash (IDENTITY_SECRET). */
    verified: boolean('verified').notNull().default(false),
    /**
     * How the intake found the customer: by the typed e-mail, by the typed phone, or created it.
     * Sessions from before this column was added read 'new'.
     */
    matchedBy: text('matched_by', { enum: ['email', 'phone', 'new'] }).notNull().default('new'),
    status: text('status', { enum: ['active', 'closed'] }).notNull().default('active'),
    closeReason: text('close_reason', { enum: ['client', 'agent', 'timeout'] }),
    /**
     * Set when the chat ended (by the visitor or by timeout) with no agent message in it: the
     * visitor walked away unanswered (PROTOCOL §8). A bot's answer does not count.
     */
    unanswered: boolean('unanswered').notNull().default(false),
    /** SHA-256 of the resume token's secret part; the token itself is never stored. */
    resumeTokenHash: text('resume_token_hash').notNull(),
    lastSeq: integer('last_seq').notNull().default(0),
    /** Opened by the offline form (PROTOCOL §9): closed from the start, no live chat behind it. */
    offline: boolean('offline').notNull().default(false),
    /** The visitor's satisfaction rating (`chat:rate`), at most once per session. */
    ratingScore: integer('rating_score'),
    ratingComment: text('rating_comment'),
    ratedAt: timestamp('rated_at', { withTimezone: true }),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    lastActivityAt: timestamp('last_activity_at', { withTimezone: true }).notNull().defaultNow(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    /**
     * First response (PROTOCOL §8), kept by the statements that write the session's messages so
     * reports never look through messages: when its first customer message was written, and
     * when the first agent message after that one in seq order was (a late reply by e-mail
     * counts; a bot's does not) — never earlier than the customer's. Null until they happen.
     */
    firstCustomerMessageAt: timestamp('first_customer_message_at', { withTimezone: true }),
    firstAgentReplyAt: timestamp('first_agent_reply_at', { withTimezone: true }),
  },
  (t) => [
    index('chat_sessions_ticket_idx').on(t.ticketId),
    index('chat_sessions_client_idx').on(t.clientId),
    // Reports: the chats of the tickets created in a range (metrics.timeseries per bucket, metrics.summary).
    index('chat_sessions_ticket_created_at_idx').on(t.ticketCreatedAt),
    // The open chats (the idle sweep, routing's recount). Keyed on a column no message changes:
    // keyed on last_activity_at, every message batch's session update was written into every
    // index of the table instead of in place (a HOT update; migration 0013 leaves room for it).
    index('chat_sessions_active_started_idx')
      .on(t.startedAt)
      .where(sql`${t.status} = 'active'`),
    check('chat_sessions_status_check', sql`${t.status} in ('active', 'closed')`),
    check('chat_sessions_matched_by_check', sql`${t.matchedBy} in ('email', 'phone', 'new')`),
    check('chat_sessions_rating_score_check', sql`${t.ratingScore} between 1 and 5`),
    // CSAT reads ratings by when they were given.
    index('chat_sessions_rated_at_idx').on(t.ratedAt).where(sql`${t.ratedAt} is not null`),
  ],
);

export const chatMessages = pgTable(
  'chat_messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => chatSessions.id),
    seq: integer('seq').notNull(),
    senderType: text('sender_type', { enum: ['client', 'agent', 'bot', 'system'] }).notNull(),
    agentId: uuid('agent_id').references(() => agents.id),
    senderName: text('sender_name'),
    body: text('body').notNull(),
    clientMsgId: text('client_msg_id'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('chat_messages_session_seq_key').on(t.sessionId, t.seq),
    uniqueIndex('chat_messages_session_client_msg_id_key').on(t.sessionId, t.clientMsgId),
    // Search (tickets.list q): the words of every message are the stored column `body_search`
    // and chat_messages_body_search_idx, written in drizzle/0009_search.sql and kept out of this
    // model so no `select()` of a message carries them.
    check('chat_messages_sender_type_check', sql`${t.senderType} in ('client', 'agent', 'bot', 'system')`),
  ],
);

export const ticketEvents = pgTable(
  'ticket_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    ticketId: uuid('ticket_id')
      .notNull()
      .references(() => tickets.id),
    actorType: text('actor_type', { enum: ['agent', 'client', 'system'] }).notNull(),
    actorId: uuid('actor_id'),
    type: text('type').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [index('ticket_events_ticket_idx').on(t.ticketId, t.id)],
);

/**
 * The chats waiting for an agent (PROTOCOL §8), oldest first by `queued_at`. Kept by routing
 * passes only (under their advisory lock): a row goes in when a chat needs a person and nobody
 * has it, and out when it is assigned or ends. Its own table, so no chat's own rows (which
 * message writes lock) are touched to queue it.
 */
export const chatQueue = pgTable(
  'chat_queue',
  {
    // No foreign keys: checking one would lock the session's row, which message writes hold.
    sessionId: uuid('session_id').primaryKey(),
    ticketId: uuid('ticket_id').notNull(),
    /** Since when the chat waits for a person: its start, or its escalation with the assistant on. */
    queuedAt: timestamp('queued_at', { withTimezone: true }).notNull(),
    /** The 1-based position last told to the customer (`queue:position`); null: not told yet. */
    position: integer('position'),
  },
  (t) => [
    index('chat_queue_order_idx').on(t.queuedAt, t.sessionId),
    // The chats added since the queue was last numbered: a pass numbers only them (routing.ts, renumber).
    index('chat_queue_unnumbered_idx').on(t.queuedAt, t.sessionId).where(sql`${t.position} is null`),
    // A pass takes out of the queue the chats of its own tickets: found here, not by reading the queue.
    index('chat_queue_ticket_idx').on(t.ticketId),
  ],
);

/** Agents' private notes on a ticket: append-only, never shown to the customer (PROTOCOL §8). */
export const ticketNotes = pgTable(
  'ticket_notes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ticketId: uuid('ticket_id')
      .notNull()
      .references(() => tickets.id),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id),
    body: text('body').notNull(),
    createdAt: createdAt(),
  },
  // tickets.get lists a ticket's notes oldest first.
  (t) => [index('ticket_notes_ticket_created_idx').on(t.ticketId, t.createdAt)],
);

/** Canned responses, shared by the whole team (PROTOCOL §8). */
export const cannedResponses = pgTable(
  'canned_responses',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Lower-case `[a-z0-9_-]`, so the unique index is case-insensitive by construction. */
    shortcut: text('shortcut').notNull(),
    title: text('title').notNull(),
    /** May hold the variables of shared/cannedResponses.ts, filled in when a reply uses it. */
    body: text('body').notNull(),
    createdBy: uuid('created_by').references(() => agents.id),
    updatedBy: uuid('updated_by').references(() => agents.id),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('canned_responses_shortcut_key').on(t.shortcut),
    check('canned_responses_shortcut_check', sql`${t.shortcut} ~ '^[a-z0-9_-]{1,32}$'`),
  ],
);

/**
 * Each agent's read mark on a ticket: how many of its customer messages (`tickets.customer_messages`)
 * the agent has read. Only ever goes up. No row: nothing read.
 */
export const ticketReads = pgTable(
  'ticket_reads',
  {
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id),
    ticketId: uuid('ticket_id')
      .notNull()
      .references(() => tickets.id),
    customerMessagesRead: integer('customer_messages_read').notNull().default(0),
    updatedAt: updatedAt(),
  },
  // The list joins one mark per ticket shown: (agent, ticket) is its lookup.
  (t) => [primaryKey({ name: 'ticket_reads_pkey', columns: [t.agentId, t.ticketId] })],
);

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    /** Also the payload's `id` and the `X-Atende-Delivery` header. */
    id: uuid('id').primaryKey(),
    /** Without credentials, query or fragment. */
    webhookUrl: text('webhook_url').notNull(),
    eventType: text('event_type').notNull(),
    // No foreign key: the log must keep accepting rows whatever happens to the ticket tables.
    ticketId: uuid('ticket_id').notNull(),
    ticketNumber: integer('ticket_number').notNull(),
    status: text('status', { enum: ['pending', 'delivered', 'failed'] }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [
    // `webhooks.deliveries` pages newest first by (created_at, id), optionally per ticket or status.
    index('webhook_deliveries_created_idx').on(t.createdAt, t.id),
    index('webhook_deliveries_ticket_created_idx').on(t.ticketId, t.createdAt, t.id),
    index('webhook_deliveries_status_created_idx').on(t.status, t.createdAt, t.id),
    check('webhook_deliveries_status_check', sql`${t.status} in ('pending', 'delivered', 'failed')`),
  ],
);

/**
 * The durable mail outbox (PROTOCOL §9): an e-mail is committed here, in the transaction of the
 * fact it tells about, and any node sends it (claimed with a lease under `for update skip locked`).
 */
export const mailOutbox = pgTable(
  'mail_outbox',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** What the e-mail is: `late_reply`, `offline_received`, `transcript`. */
    kind: text('kind').notNull(),
    /** One e-mail per fact: a second enqueue under the same key stores nothing. */
    dedupeKey: text('dedupe_key').notNull(),
    toAddress: text('to_address').notNull(),
    subject: text('subject').notNull(),
    textBody: text('text_body').notNull(),
    htmlBody: text('html_body').notNull(),
    // No foreign keys: like the webhook log, the outbox keeps accepting rows whatever happens elsewhere.
    clientId: uuid('client_id'),
    ticketId: uuid('ticket_id'),
    status: text('status', { enum: ['pending', 'sent', 'failed'] }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    /** While set and in the future, a node is sending it; past it, the send is taken as lost. */
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    lastError: text('last_error'),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('mail_outbox_dedupe_key').on(t.dedupeKey),
    // The senders' claim: pending rows due first.
    index('mail_outbox_due_idx').on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index('mail_outbox_client_idx').on(t.clientId),
    check('mail_outbox_status_check', sql`${t.status} in ('pending', 'sent', 'failed')`),
  ],
);

/** Secrets the nodes of a cluster share, made once by whichever node starts first (e.g. the `/c/` link key). */
export const serverSecrets = pgTable('server_secrets', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  createdAt: createdAt(),
});

export type CustomerRow = typeof clients.$inferSelect;
export type TicketRow = typeof tickets.$inferSelect;
export type ChatSessionRow = typeof chatSessions.$inferSelect;
export type ChatMessageRow = typeof chatMessages.$inferSelect;
export type TicketEventRow = typeof ticketEvents.$inferSelect;
export type AgentRow = typeof agents.$inferSelect;
export type TicketNoteRow = typeof ticketNotes.$inferSelect;
export type CannedResponseRow = typeof cannedResponses.$inferSelect;
export type TicketReadRow = typeof ticketReads.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
export type MailOutboxRow = typeof mailOutbox.$inferSelect;
export type ChatQueueRow = typeof chatQueue.$inferSelect;

/**
 * Agent events in commit order (PROTOCOL §13): what an event stream replays after a
 * Last-Event-ID. `position` is the public eventId, allocated from `domain_event_positions`
 * at the very end of the writing transaction (see repositories/domainEvents.ts for why that
 * makes it gap-free and commit-ordered). A message.created row names its message instead of
 * copying it. No foreign keys: a log row must never wait on a lock of the rows it describes.
 */
export const domainEvents = pgTable(
  'domain_events',
  {
    position: bigint('position', { mode: 'number' }).primaryKey(),
    ticketId: uuid('ticket_id').notNull(),
    type: text('type').notNull(),
    messageId: uuid('message_id'),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('domain_events_ticket_idx').on(t.ticketId, t.position), index('domain_events_created_idx').on(t.createdAt)],
);

/** One row (id 1): the last position handed out; its row lock orders the writers of events. */
export const domainEventPositions = pgTable('domain_event_positions', {
  id: integer('id').primaryKey(),
  last: bigint('last', { mode: 'number' }).notNull(),
});
