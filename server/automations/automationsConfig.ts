import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DOMAIN_EVENT_TYPES, TICKET_STATUSES } from '../../shared/tickets.js';
import { businessHoursSchema } from './businessHours.js';

/** `least_busy`: fewest open chats first; `round_robin`: in turn; `manual`: agents pick chats themselves. */
export const ROUTING_MODES = ['least_busy', 'round_robin', 'manual'] as const;
export type RoutingMode = (typeof ROUTING_MODES)[number];

const faqEntry = z.object({
  question: z.string().trim().min(1).max(500),
  answer: z.string().trim().min(1).max(4000),
});

const automationsSchema = z
  .object({
    closeTicketOnChatEnd: z.enum(TICKET_STATUSES).nullable().default('RESOLVED'),
    idleTimeoutMs: z.number().int().min(100).optional(),
    assistant: z
      .object({
        faq: z.array(faqEntry).min(1),
        minConfidence: z.number().min(0).max(1).default(0.5),
        handoffKeywords: z.array(z.string().trim().min(1)).default([]),
        botName: z.string().trim().min(1).max(120).default('Assistente'),
      })
      .strict()
      .optional(),
    categories: z
      .array(z.object({ category: z.string().trim().min(1).max(120), keywords: z.array(z.string().trim().min(1)).min(1) }).strict())
      .default([]),
    webhooks: z
      .array(
        z
          .object({
            url: z.url({ protocol: /^https?$/ }),
            secret: z.string().min(8),
            events: z.array(z.enum(DOMAIN_EVENT_TYPES)).min(1),
          })
          .strict(),
      )
      .default([]),
    /** PROTOCOL §8: who gets a new chat. */
    routing: z
      .object({
        mode: z.enum(ROUTING_MODES).default('least_busy'),
        defaultCapacity: z.number().int().min(0).max(10_000).default(5),
        reassignAfterOfflineMs: z.number().int().min(0).default(120_000),
      })
      .strict()
      .default({ mode: 'least_busy', defaultCapacity: 5, reassignAfterOfflineMs: 120_000 }),
    webhookRetry: z
      .object({
        attempts: z.number().int().min(1).max(20).default(6),
        baseDelayMs: z.number().int().min(10).default(1000),
        timeoutMs: z.number().int().min(100).default(5000),
      })
      .strict()
      .default({ attempts: 6, baseDelayMs: 1000, timeoutMs: 5000 }),
    /** PROTOCOL §9: when and how the mail outbox retries a send that failed. */
    mailRetry: z
      .object({
        attempts: z.number().int().min(1).max(50).default(10),
        baseDelayMs: z.number().int().min(10).default(5000),
        maxDelayMs: z.number().int().min(10).default(3_600_000),
        /** How long a node may take to send one e-mail before another node takes it as lost. */
        leaseMs: z.number().int().min(500).default(120_000),
        /** How often each node looks for e-mails to send (it also looks at once after its own enqueues). */
        pollMs: z.number().int().min(20).default(2000),
      })
      .strict()
      .default({ attempts: 10, baseDelayMs: 5000, maxDelayMs: 3_600_000, leaseMs: 120_000, pollMs: 2000 }),
    /** E-mail the conversation to the customer whenever a chat ends (PROTOCOL §9). */
    transcriptOnClose: z.boolean().default(false),
    businessHours: businessHoursSchema.optional(),
  })
  .strict();

export type Automations = z.output<typeof automationsSchema>;
export type AssistantConfig = NonNullable<Automations['assistant']>;
export type WebhookConfig = Automations['webhooks'][number];
export type MailRetryConfig = Automations['mailRetry'];
export type RoutingConfig = Automations['routing'];

export class AutomationsError extends Error {
  constructor(file: string, problems: string[]) {
    super(`Invalid AUTOMATIONS_FILE ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'AutomationsError';
  }
}

/** Parses an automations document; a bad one throws an AutomationsError naming each bad field. */
export function parseAutomations(document: unknown, source = '(inline)'): Automations {
  const result = automationsSchema.safeParse(document);
  if (!result.success) {
    throw new AutomationsError(
      source,
      result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  return result.data;
}

/** Reads `AUTOMATIONS_FILE` (JSON) at start; without one the defaults of PROTOCOL §5 apply. */
export function loadAutomations(file: string | undefined): Automations {
  if (!file) return parseAutomations({});
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new AutomationsError(file, [`cannot be read as JSON: ${error instanceof Error ? error.message : error}`]);
  }
  return parseAutomations(document, file);
}
