import { z } from 'zod';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const TIME = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const minutesOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

const interval = z
  .tuple([z.string().regex(TIME, 'must be HH:MM'), z.string().regex(TIME, 'must be HH:MM')])
  .refine(([start, end]) => minutesOf(start) < minutesOf(end), 'must start before it ends (split a night across two days)');

/**
 * `businessHours` of the automations file (PROTOCOL §9): opening intervals per weekday in a
 * time zone, and holidays (dates in that zone) that are closed all day. A day left out is closed.
 */
export const businessHoursSchema = z
  .object({
    timezone: z.string().refine(isTimeZone, 'is not a known time zone'),
    weekly: z.partialRecord(z.enum(WEEKDAYS), z.array(interval)),
    holidays: z.array(z.iso.date()).default([]),
  })
  .strict();

export type BusinessHours = z.output<typeof businessHoursSchema>;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** The wall clock of `at` in `timeZone`: its date (YYYY-MM-DD), weekday and minute of the day. */
export function wallClock(at: Date, timeZone: string): { date: string; weekday: Weekday; minutes: number } {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(at).map((part) => [part.type, part.value]));
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    weekday: parts.weekday!.slice(0, 3).toLowerCase() as Weekday,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

/** Whether `at` falls in an opening interval (start included, end excluded) of a day that is no holiday. */
export function isOpen(hours: BusinessHours, at: Date): boolean {
  const { date, weekday, minutes } = wallClock(at, hours.timezone);
  if (hours.holidays.includes(date)) return false;
  return (hours.weekly[weekday] ?? []).some(([start, end]) => minutes >= minutesOf(start) && minutes < minutesOf(end));
}
