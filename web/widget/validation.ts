import type { Locale } from '../../shared/messages.js';
import { chatStartSchema, messageSendSchema } from '../../shared/schemas.js';
import { FIELDS, type ContactValues, type Field, type FieldErrors } from './state.js';

/**
 * The pre-chat form's checks: the server's own `chatStartSchema`, so the visitor sees as
 * they type exactly what `chat:start` would refuse, in their locale.
 */
export function createFormValidator(locale: Locale, defaultRegion: string) {
  const startSchema = chatStartSchema({ locale, defaultRegion });
  const sendSchema = messageSendSchema({ locale });
  return {
    /** Every field's first error; an empty object when the form may be sent. */
    contact(values: ContactValues): FieldErrors {
      const result = startSchema.safeParse(values);
      if (result.success) return {};
      const errors: FieldErrors = {};
      for (const issue of result.error.issues) {
        const field = issue.path[0];
        if (isField(field) && !errors[field]) errors[field] = issue.message;
      }
      return errors;
    },
    /**
     * What `chat:start` gets: the form as typed, but a phone typed without a country code
     * goes as the E.164 number it means in the widget's region (`data-phone-region`), which
     * may not be the server's DEFAULT_PHONE_REGION.
     */
    payload(values: ContactValues): ContactValues {
      const result = startSchema.safeParse(values);
      if (!result.success || values.phone.trim().startsWith('+')) return values;
      return { ...values, phone: result.data.phone };
    },
    /** The error of a message body, or undefined when it may be sent. */
    body(body: string): string | undefined {
      const result = sendSchema.safeParse({ body, clientMsgId: 'x' });
      return result.success ? undefined : result.error.issues[0]?.message;
    },
  };
}

export type FormValidator = ReturnType<typeof createFormValidator>;

function isField(value: unknown): value is Field {
  return (FIELDS as readonly unknown[]).includes(value);
}
