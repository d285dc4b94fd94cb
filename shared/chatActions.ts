import { z } from 'zod';
import { plainText } from './schemas.js';

/**
 * What a visitor does to a chat besides writing (PROTOCOL §3 `PATCH /api/chat`, §9): close it,
 * rate it, ask for its transcript. Apart from shared/schemas.ts so that the widget's first load,
 * which bundles those schemas, does not carry these.
 */

export const RATING_COMMENT_MAX = 1000;

/** `chat:rate` (PROTOCOL §9): 1–5 stars and an optional comment. */
export const chatRateSchema = z.object({
  score: z.number().int().min(1).max(5),
  comment: z
    .string()
    .trim()
    .max(RATING_COMMENT_MAX)
    .pipe(plainText())
    .optional()
    .transform((comment) => (comment ? comment : undefined)),
});
export type ChatRateInput = z.output<typeof chatRateSchema>;

/** `chat:transcript` takes nothing (an empty object, or no payload). */
export const chatTranscriptSchema = z.object({}).strict();

/** `PATCH /api/chat`: close, rate (PROTOCOL §9) or ask for the transcript. */
export const chatPatchSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('close'), reason: z.string().trim().max(500).pipe(plainText()).optional() }),
  chatRateSchema.extend({ action: z.literal('rate') }),
  z.object({ action: z.literal('transcript') }),
]);
