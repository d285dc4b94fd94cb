import { z } from 'zod';
import { bodySchema, BODY_MAX, emailSchema, messageSendSchema, NAME_MAX, plainText, SEQ_MAX } from './schemas.js';
import { CANNED_VARIABLES, unknownVariables } from './cannedResponses.js';
import { AGENT_STATUSES, CONTACT_FIELDS } from './agentApi.js';
import { TICKET_PRIORITIES, TICKET_SOURCES, TICKET_STATUSES } from './tickets.js';

/**
 * Inputs of the agent API (PROTOCOL §4). The server validates every call with these; the
 * console may validate forms with them too. Phone numbers stay as typed here: the server
 * turns them into E.164 with its own default region.
 */

export const LIST_LIMIT_MAX = 100;
export const LIST_LIMIT_DEFAULT = 25;
export const MESSAGES_LIMIT_MAX = 500;

const id = z.uuid();
const isoDateTime = z.iso.datetime({ offset: true });

export const ticketListInput = z.object({
  source: z.enum(TICKET_SOURCES).optional(),
  status: z.enum(TICKET_STATUSES).optional(),
  clientId: id.optional(),
  /** `me`: the caller's tickets; `none`: unassigned ones; else that agent's. */
  assigneeId: z.union([z.literal('me'), z.literal('none'), id]).optional(),
  /** Only tickets with customer messages after the caller's read mark. */
  unread: z.literal(true).optional(),
  /** A search (PROTOCOL §11); the description is the OpenAPI document's. */
  q: z
    .string()
    .trim()
    .max(200)
    .optional()
    .describe(
      'Search: ticket number (`#123`: that ticket only), words of the subject and of the chat messages (Portuguese stems, ' +
        'accents ignored; not notes), word prefixes of the customer name, text inside the subject, name or e-mail ' +
        '(3 characters or more), and phone digits as typed (4 or more)',
    ),
  /** The `nextCursor` of the previous page, as given. */
  cursor: z.string().max(200).nullish(),
  limit: z.number().int().min(1).max(LIST_LIMIT_MAX).default(LIST_LIMIT_DEFAULT),
})
  // No input at all is the first page of everything (prefault parses it, filling the defaults).
  .prefault({});
export type TicketListInput = z.output<typeof ticketListInput>;

export const ticketRefInput = z.union([
  z.object({ id }).strict(),
  z.object({ number: z.number().int().positive().max(SEQ_MAX) }).strict(),
]);
export type TicketRefInput = z.output<typeof ticketRefInput>;

export const API_SOURCES = ['email', 'phone', 'web', 'api'] as const;

export const ticketCreateInput = z.object({
  subject: z.string().trim().min(1).max(200).pipe(plainText()),
  description: z.string().trim().max(10_000).pipe(plainText()).optional(),
  source: z.enum(API_SOURCES),
  client: z
    .object({
      name: z.string().trim().min(1).max(NAME_MAX).pipe(plainText()).optional(),
      email: emailSchema({ locale: 'en' }).optional(),
      phone: z.string().trim().min(1).max(40).optional(),
    })
    .refine((client) => client.email !== undefined || client.phone !== undefined, {
      message: 'Give the customer an e-mail or a phone',
      path: ['email'],
    }),
});
export type TicketCreateInput = z.output<typeof ticketCreateInput>;

export const ticketUpdateInput = z.object({
  id,
  status: z.enum(TICKET_STATUSES).optional(),
  priority: z.enum(TICKET_PRIORITIES).optional(),
  /** null clears it. */
  category: z.string().trim().min(1).max(100).nullable().optional(),
  /** null unassigns. */
  assigneeId: id.nullable().optional(),
});
export type TicketUpdateInput = z.output<typeof ticketUpdateInput>;

/** `{ id, clientMsgId, body }` or `{ id, clientMsgId, cannedResponseId }`: exactly one of the two. */
export const ticketReplyInput = messageSendSchema({ locale: 'en' })
  .extend({ id, body: bodySchema({ locale: 'en' }).optional(), cannedResponseId: id.optional() })
  .refine((reply) => (reply.body === undefined) !== (reply.cannedResponseId === undefined), {
    message: 'Give either a body or a cannedResponseId',
    path: ['body'],
  });
/** `tickets.assign`: null unassigns. */
export const ticketAssignInput = z.object({ id, assigneeId: id.nullable() });
export type TicketAssignInput = z.output<typeof ticketAssignInput>;

/**
 * `tickets.markRead`: the caller has read the ticket's chat up to message `seq` of its latest
 * session (or of `sessionId`, one of the ticket's sessions), and everything before it.
 */
export const ticketMarkReadInput = z.object({
  id,
  seq: z.number().int().min(0).max(SEQ_MAX),
  sessionId: id.optional(),
});
export type TicketMarkReadInput = z.output<typeof ticketMarkReadInput>;

export type TicketReplyInput = z.output<typeof ticketReplyInput>;

// --- Notes and canned responses (PROTOCOL §8) ---

export const NOTE_MAX = BODY_MAX;

export const ticketNoteInput = z.object({
  id,
  body: z.string().trim().min(1).max(NOTE_MAX).pipe(plainText()),
});
export type TicketNoteInput = z.output<typeof ticketNoteInput>;

/** Shortcuts are case-insensitive: stored lower-cased, so `Hello` and `hello` are the same one. */
export const cannedShortcut = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9_-]{1,32}$/, 'Use 1 to 32 letters, digits, - or _');

/** A body whose every `{{…}}` is a known variable: unknown ones are refused here, at save. */
export const cannedBody = z
  .string()
  .trim()
  .min(1)
  .max(BODY_MAX)
  .pipe(plainText())
  .superRefine((body, ctx) => {
    const unknown = unknownVariables(body);
    if (unknown.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `Unknown variable ${unknown.map((name) => `{{${name}}}`).join(', ')}; known: ${CANNED_VARIABLES.map((name) => `{{${name}}}`).join(', ')}`,
      });
    }
  });

const cannedTitle = z.string().trim().min(1).max(200).pipe(plainText());

export const cannedResponseCreateInput = z.object({ shortcut: cannedShortcut, title: cannedTitle, body: cannedBody });
export type CannedResponseCreateInput = z.output<typeof cannedResponseCreateInput>;

export const cannedResponseUpdateInput = z.object({
  id,
  shortcut: cannedShortcut.optional(),
  title: cannedTitle.optional(),
  body: cannedBody.optional(),
});
export type CannedResponseUpdateInput = z.output<typeof cannedResponseUpdateInput>;

export const cannedResponseIdInput = z.object({ id });

// --- end notes and canned responses ---

export const ticketTypingInput = z.object({ id, isTyping: z.boolean() });

/** An eventId (PROTOCOL §13): a position in the cluster's commit order, in decimal. */
export const eventIdSchema = z.string().regex(/^\d{1,15}$/, 'Expected an eventId (digits)');

/**
 * `tickets.onEvent` and `GET /api/v1/events`: `lastEventId` (tRPC puts the Last-Event-ID of its
 * reconnects here) replays every event after it first.
 */
export const ticketEventsInput = z.object({ ticketId: id.optional(), lastEventId: eventIdSchema.nullish() }).optional();

export const chatMessagesInput = z.object({
  sessionId: id,
  afterSeq: z.number().int().min(0).max(SEQ_MAX).optional(),
  limit: z.number().int().min(1).max(MESSAGES_LIMIT_MAX).default(MESSAGES_LIMIT_MAX),
});

export const chatCloseInput = z.object({
  sessionId: id,
  /** Free text kept in the audit trail. */
  reason: z.string().trim().max(500).pipe(plainText()).optional(),
});

export const clientIdInput = z.object({ id });

export const clientSearchInput = z.object({ q: z.string().trim().min(1).max(200) });

export const clientMergeInput = z
  .object({ sourceId: id, targetId: id })
  .refine((input) => input.sourceId !== input.targetId, {
    message: 'A customer cannot be merged into itself',
    path: ['targetId'],
  });

export const acceptSuggestionInput = z.object({ sessionId: id, field: z.enum(CONTACT_FIELDS) });
export type AcceptSuggestionInput = z.output<typeof acceptSuggestionInput>;

export const metricsSummaryInput = z
  .object({ from: isoDateTime.optional(), to: isoDateTime.optional() })
  .refine((range) => !range.from || !range.to || Date.parse(range.from) < Date.parse(range.to), {
    message: '`from` must be before `to`',
    path: ['to'],
  })
  .optional();
export type MetricsSummaryInput = z.output<typeof metricsSummaryInput>;

/** Longest range `metrics.timeseries` answers, per bucket size (so a call cannot ask for millions of buckets). */
export const TIMESERIES_MAX_DAYS = { hour: 31, day: 366 } as const;

/**
 * An IANA time zone name (`America/Sao_Paulo`, `UTC`), as known to this runtime; answered in its
 * canonical spelling. Offsets such as `+03:00` are refused: PostgreSQL reads POSIX offsets with
 * the opposite sign.
 */
export const ianaTimeZone = z
  .string()
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/, 'must be an IANA time zone name, like America/Sao_Paulo')
  .transform((zone, check) => {
    try {
      return new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
    } catch {
      check.addIssue({ code: 'custom', message: 'is not a known time zone' });
      return z.NEVER;
    }
  });

export const metricsTimeseriesInput = z
  .object({
    from: isoDateTime,
    to: isoDateTime,
    bucket: z.enum(['hour', 'day']),
    /** Where hours and days begin; default the node's `TZ`. */
    timeZone: ianaTimeZone.optional(),
  })
  .refine((range) => Date.parse(range.from) < Date.parse(range.to), { message: '`from` must be before `to`', path: ['to'] })
  .refine((range) => Date.parse(range.to) - Date.parse(range.from) <= TIMESERIES_MAX_DAYS[range.bucket] * 86_400_000, {
    message: 'range too long for this bucket (at most 31 days by hour, 366 by day)',
    path: ['to'],
  });
export type MetricsTimeseriesInput = z.output<typeof metricsTimeseriesInput>;

export const agentCreateInput = z.object({
  name: z.string().trim().min(1).max(NAME_MAX).pipe(plainText()),
  email: emailSchema({ locale: 'en' }),
  role: z.enum(['admin', 'agent']).default('agent'),
});
export type AgentCreateInput = z.output<typeof agentCreateInput>;

export const agentIdInput = z.object({ id });

/** `agents.setStatus`: what the caller asks to be. */
export const agentSetStatusInput = z.object({ status: z.enum(AGENT_STATUSES) });
export type AgentSetStatusInput = z.output<typeof agentSetStatusInput>;

export const CAPACITY_MAX = 10_000;

/** `agents.update` (admin): `capacity` null goes back to the automations' default. */
export const agentUpdateInput = z.object({
  id,
  capacity: z.number().int().min(0).max(CAPACITY_MAX).nullable().optional(),
  role: z.enum(['admin', 'agent']).optional(),
  name: z.string().trim().min(1).max(NAME_MAX).pipe(plainText()).optional(),
});
export type AgentUpdateInput = z.output<typeof agentUpdateInput>;
