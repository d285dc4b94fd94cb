import type { z } from 'zod';
import { LOCALES, type Locale } from '../shared/messages.js';
import { chatStartSchema, messageSendSchema } from '../shared/schemas.js';
import { validationError } from './errors.js';

function buildFor(locale: Locale, defaultRegion: string) {
  return {
    chatStart: chatStartSchema({ locale, defaultRegion }),
    messageSend: messageSendSchema({ locale }),
  };
}

export type PayloadSchemas = Record<Locale, ReturnType<typeof buildFor>>;

/** The shared schemas, built once per locale for this node's default phone region. */
export function createPayloadSchemas(defaultRegion: string): PayloadSchemas {
  return Object.fromEntries(LOCALES.map((locale) => [locale, buildFor(locale, defaultRegion)])) as PayloadSchemas;
}

/** Parses an untrusted payload, throwing a VALIDATION AppError with per-field messages. */
export function parsePayload<S extends z.ZodType>(schema: S, payload: unknown): z.output<S> {
  const result = schema.safeParse(payload);
  if (!result.success) throw validationError(result.error);
  return result.data;
}
