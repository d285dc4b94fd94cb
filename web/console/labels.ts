import type { TicketPriority, TicketSource, TicketStatus } from '../../shared/tickets.js';
import { t } from './i18n/index.js';

/** The console's names for the API's values, in the console's language (i18n/). */
export const SOURCE_LABELS: Record<TicketSource, string> = t.sources;
export const STATUS_LABELS: Record<TicketStatus, string> = t.statuses;
export const PRIORITY_LABELS: Record<TicketPriority, string> = t.priorities;
export const SENDER_LABELS = t.senders;

const dateTime = new Intl.DateTimeFormat(t.locale, { dateStyle: 'short', timeStyle: 'short' });
const time = new Intl.DateTimeFormat(t.locale, { timeStyle: 'short' });

export function formatDateTime(iso: string): string {
  return dateTime.format(new Date(iso));
}

export function formatTime(iso: string): string {
  return time.format(new Date(iso));
}

/** How long, for people: "45 s", "3 min", "2 h 5 min". */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return t.duration.seconds(seconds);
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return t.duration.minutes(minutes);
  return t.duration.hours(Math.floor(minutes / 60), minutes % 60);
}

/** How the intake found the chat's customer (PROTOCOL §7 `matchedBy`). */
export const MATCHED_BY_LABELS = t.identity.matchedBy;

export const CONTACT_FIELD_LABELS = t.contactFields;
