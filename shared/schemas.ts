import { z } from 'zod';
import { toE164 } from './phone.js';
import { LOCALES, text, type Locale } from './messages.js';

/**
 * The payload schemas of the customer chat. The widget validates with these very
 * schemas as the visitor types; the server validates with them again on arrival.
 */

export const NAME_MAX = 120;
export const BODY_MAX = 4000;
export const CLIENT_MSG_ID_MAX = 64;
/**
 * The id space of messages the server writes (bot answers, system notices): a sender's
 * clientMsgId may not start with it, so a visitor can never pre-empt (and so suppress) one.
 */
export const SERVER_MSG_ID_PREFIX = 'server:';

/** The key of a message the server writes, e.g. `serverMsgId('escalation', ticketId)`. */
export function serverMsgId(kind: string, id: string): string {
  return `${SERVER_MSG_ID_PREFIX}${kind}:${id}`;
}
export const EMAIL_MAX = 254;
/** seq is a PostgreSQL integer: larger positions cannot exist. */
export const SEQ_MAX = 2_147_483_647;

export interface SchemaOptions {
  /** Region applied to phone numbers typed without a country code, e.g. `BR`. */
  defaultRegion: string;
  /** Language of the validation messages. */
  locale: Locale;
}

/**
 * NUL and the other control characters (C0, DEL, C1), tab and newline excepted. CR is refused
 * too: browsers send newlines as LF, and a stored lone CR would reach agents' terminals.
 */
const CONTROL_CHARACTER = /[\0-\x08\x0b-\x1f\x7f-\x9f]/;

/** Text for people (names, bodies, subjects, notes): no control characters (PROTOCOL §7). */
export function plainText(message = 'Invalid value') {
  return z.string().refine((value) => !CONTROL_CHARACTER.test(value), message);
}

function requiredString(locale: Locale) {
  return z.string({ error: text(locale, 'required') });
}

export function nameSchema({ locale }: Pick<SchemaOptions, 'locale'>) {
  return requiredString(locale)
    .trim()
    .min(1, text(locale, 'required'))
    .max(NAME_MAX, text(locale, 'nameLength'))
    .pipe(plainText(text(locale, 'invalid')));
}

export function emailSchema({ locale }: Pick<SchemaOptions, 'locale'>) {
  return requiredString(locale)
    .trim()
    .toLowerCase()
    .min(1, text(locale, 'required'))
    .max(EMAIL_MAX, text(locale, 'email'))
    .pipe(z.email({ error: text(locale, 'email') }));
}

/** A phone number as typed, turned into E.164; invalid numbers are refused. */
export function phoneSchema({ locale, defaultRegion }: SchemaOptions) {
  return requiredString(locale)
    .trim()
    .min(1, text(locale, 'required'))
    .max(40, text(locale, 'phone'))
    .transform((value, ctx) => {
      const e164 = toE164(value, defaultRegion);
      if (!e164) {
        ctx.issues.push({ code: 'custom', message: text(locale, 'phone'), input: value });
        return z.NEVER;
      }
      return e164;
    });
}

export function bodySchema({ locale }: Pick<SchemaOptions, 'locale'>) {
  return requiredString(locale)
    .trim()
    .min(1, text(locale, 'bodyLength'))
    .max(BODY_MAX, text(locale, 'bodyLength'))
    .pipe(plainText(text(locale, 'invalid')));
}

export const localeSchema = z.enum(LOCALES);

/** `chat:start` / `PUT /api/chat`. */
export function chatStartSchema(options: SchemaOptions) {
  return z.object({
    name: nameSchema(options),
    email: emailSchema(options),
    phone: phoneSchema(options),
    locale: localeSchema.optional(),
    message: bodySchema(options).optional(),
    /** Hex HMAC-SHA256 of the e-mail with the node's IDENTITY_SECRET, computed by the host site. */
    identityHash: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, text(options.locale, 'invalid'))
      .optional(),
    /** The offline form (PROTOCOL §9): opens the ticket without a live chat; `message` is then required. */
    offline: z.boolean().optional(),
  });
}
export type ChatStartInput = z.output<ReturnType<typeof chatStartSchema>>;

/** `message:send` / `POST /api/chat`. */
export function messageSendSchema(options: Pick<SchemaOptions, 'locale'>) {
  return z.object({
    body: bodySchema(options),
    clientMsgId: requiredString(options.locale)
      .min(1, text(options.locale, 'clientMsgId'))
      .max(CLIENT_MSG_ID_MAX, text(options.locale, 'clientMsgId'))
      .refine((id) => !id.startsWith(SERVER_MSG_ID_PREFIX), text(options.locale, 'clientMsgId')),
    /** `message:send` only: false spares the sending socket its `message:new` (the ack carries the Message). */
    echo: z.boolean().optional(),
  });
}
export type MessageSendInput = z.output<ReturnType<typeof messageSendSchema>>;

export const chatResumeSchema = z.object({
  resumeToken: z.string().min(1).max(512),
  lastSeq: z.number().int().min(0).max(SEQ_MAX).optional(),
});
export type ChatResumeInput = z.output<typeof chatResumeSchema>;

export const chatCloseSchema = z.object({
  reason: z.string().trim().max(500).pipe(plainText()).optional(),
});
export type ChatCloseInput = z.output<typeof chatCloseSchema>;

export const typingSchema = z.object({ isTyping: z.boolean() });

/** `GET /api/chat?afterSeq=N` */
export const afterSeqSchema = z.object({
  afterSeq: z.coerce.number().int().min(0).max(SEQ_MAX).optional(),
});

/** `PATCH /api/chat`'s actions, `chat:rate` and `chat:transcript`: shared/chatActions.ts (kept out of the widget's first load). */
