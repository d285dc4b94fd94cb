import { z } from 'zod';
import { getCountries } from 'libphonenumber-js';

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const environmentSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  /**
   * Connections the kernel may hold for this node before it accepts them (capped by the
   * kernel's net.core.somaxconn). Node's default, 511, overflows when thousands of visitors
   * reconnect at once after a node dies: each connection dropped then waits for its SYN to be
   * sent again (1 s, 3 s, 7 s, …).
   */
  LISTEN_BACKLOG: z.coerce.number().int().min(1).max(65535).default(8192),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
      .optional(),
  ),
  DATA_DIR: z.string().min(1).default('./data'),
  /** PostgreSQL connections this node may hold at once (the server's max_connections is shared by every node). */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(20),
  REDIS_URL: optionalString.pipe(
    z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
  ),
  /** Namespaces every Redis channel and key, so clusters sharing one Redis never hear each other. */
  REDIS_PREFIX: z
    .string()
    .default('atende')
    .refine((value) => /^[A-Za-z0-9_.-]{1,64}$/.test(value), 'must be 1–64 letters, digits, ".", "_" or "-"')
    // The Socket.IO adapter derives `<prefix>-request` and `<prefix>-response` channels itself.
    .refine((value) => !/-(request|response)$/.test(value), 'must not end in -request or -response'),
  REDIS_SHARDED: z
    .enum(['0', '1', 'true', 'false', ''])
    .default('0')
    .transform((value) => value === '1' || value === 'true'),
  ADMIN_TOKEN: optionalString.pipe(z.string().min(16, 'must have at least 16 characters').optional()),
  CHAT_IDLE_TIMEOUT_MS: z.coerce.number().int().positive().default(1_800_000),
  DEFAULT_PHONE_REGION: z
    .string()
    .default('BR')
    .transform((value) => value.toUpperCase())
    .refine((value) => (getCountries() as string[]).includes(value), 'is not a known ISO 3166 region'),
  TZ: optionalString.pipe(
    z
      .string()
      .refine((zone) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: zone });
          return true;
        } catch {
          return false;
        }
      }, 'is not a known time zone')
      .optional(),
  ),
  AUTOMATIONS_FILE: optionalString,
  CORS_ORIGINS: optionalString.transform((value) =>
    value === undefined
      ? undefined
      : value
          .split(',')
          .map((origin) => origin.trim())
          .filter(Boolean),
  ),
  TRUST_PROXY: z
    .string()
    .default('loopback')
    .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean)),
  RATE_CHAT_STARTS_PER_MINUTE: z.coerce.number().int().positive().default(30),
  RATE_MESSAGES_PER_MINUTE: z.coerce.number().int().positive().default(120),
  RATE_HTTP_REQUESTS_PER_MINUTE: z.coerce.number().int().positive().default(1200),
  RATE_FAILED_AUTH_PER_MINUTE: z.coerce.number().int().positive().default(20),
  /** `chat:resume` / `GET /api/chat`, per socket and per session. */
  RATE_RESUMES_PER_MINUTE: z.coerce.number().int().positive().default(30),
  /** A resume token stops opening its chat this long after the chat ended. */
  RESUME_TOKEN_TTL_HOURS: z.coerce.number().positive().default(168),
  /** How far back agents' event streams replay after a Last-Event-ID (PROTOCOL §13); older events are pruned. */
  EVENT_REPLAY_HOURS: z.coerce.number().positive().max(24 * 365).default(72),
  /** Messages one chat session may hold; past it sends are refused with CLOSED. */
  MAX_MESSAGES_PER_SESSION: z.coerce.number().int().positive().default(5000),
  MAX_CONNECTIONS: z.coerce.number().int().positive().optional(),
  MAX_CONNECTIONS_PER_IP: z.coerce.number().int().positive().default(500),
  IDENTITY_SECRET: optionalString.pipe(z.string().min(16, 'must have at least 16 characters').optional()),
  /**
   * After SIGTERM, how long the node keeps serving with `/readyz` answering 503 before it stops
   * accepting: a load balancer's health checks take it out of the pool first (PROTOCOL §10).
   */
  SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  /** An agent reads `online` only if seen (open event stream, API call) this recently (PROTOCOL §8). */
  PRESENCE_TIMEOUT_MS: z.coerce.number().int().min(100).default(60_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Where people reach this node (its own origin is always allowed); default http://localhost:PORT. */
  PUBLIC_URL: optionalString.pipe(
    z
      .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
      .transform((url) => url.replace(/\/+$/, ''))
      .optional(),
  ),
  /** `smtp://user:pass@host:port` or `smtps://…`; unset = this node sends no e-mail (PROTOCOL §9). */
  SMTP_URL: optionalString.pipe(z.string().regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://').optional()),
  /** The From of every e-mail, e.g. `Loja <atendimento@loja.com.br>`; needed with SMTP_URL. */
  MAIL_FROM: optionalString.pipe(z.string().max(320).refine((value) => !/[\r\n]/.test(value), 'must be one line').optional()),
});

const configSchema = environmentSchema
  .refine((config) => !config.SMTP_URL || config.MAIL_FROM, { path: ['MAIL_FROM'], message: 'is required when SMTP_URL is set' })
  .transform(({ PUBLIC_URL, ...config }) => ({
    ...config,
    PUBLIC_URL: PUBLIC_URL ?? `http://localhost:${config.PORT}`,
  }));

export type Config = z.output<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once, at boot; a bad value throws a ConfigError naming the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`),
    );
  }
  return result.data;
}
