/** The period a report covers, from the page's URL (`#/reports?period=7d`, or `custom&from=…&to=…`). */

export type PeriodKind = 'today' | '7d' | '30d' | 'custom';
export const PERIOD_KINDS: readonly PeriodKind[] = ['today', '7d', '30d', 'custom'];
export const MAX_PERIOD_DAYS = 366;

export interface Period {
  kind: PeriodKind;
  /** Local midnight of the first day (the browser's time zone). */
  from: Date;
  /** Local midnight after the last day: the range is [from, to). */
  to: Date;
  /** Hours for a single day, days otherwise. */
  bucket: 'hour' | 'day';
  /** The first and last day, `YYYY-MM-DD`, both included. */
  firstDay: string;
  lastDay: string;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseDay(text: string | null): Date | undefined {
  const match = DAY.exec(text ?? '');
  if (!match) return undefined;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return date.getDate() === Number(match[3]) ? date : undefined;
}

export function formatDay(date: Date): string {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}

/** Calendar arithmetic on local midnights (a day may be 23 or 25 hours). */
function addDays(date: Date, days: number): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + days);
}

function calendarDays(from: Date, to: Date): number {
  return Math.round((Date.UTC(to.getFullYear(), to.getMonth(), to.getDate()) - Date.UTC(from.getFullYear(), from.getMonth(), from.getDate())) / 86_400_000);
}

/** The period the URL asks for (7 days when it asks for none); undefined for a custom period that makes no sense. */
export function periodOf(query: URLSearchParams, now = new Date()): Period | undefined {
  const kind = (PERIOD_KINDS as readonly string[]).includes(query.get('period') ?? '') ? (query.get('period') as PeriodKind) : '7d';
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  let first: Date | undefined;
  let last: Date | undefined;
  if (kind === 'custom') {
    first = parseDay(query.get('from'));
    last = parseDay(query.get('to'));
  } else {
    first = addDays(today, kind === 'today' ? 0 : kind === '7d' ? -6 : -29);
    last = today;
  }
  if (!first || !last || last < first || calendarDays(first, last) + 1 > MAX_PERIOD_DAYS) return undefined;
  return {
    kind,
    from: first,
    to: addDays(last, 1),
    bucket: calendarDays(first, last) === 0 ? 'hour' : 'day',
    firstDay: formatDay(first),
    lastDay: formatDay(last),
  };
}

/** [from, to) cut into pieces the API answers by the hour (at most 31 days each). */
export function hourChunks(from: Date, to: Date, maxDays = 31): Array<{ from: Date; to: Date }> {
  const chunks: Array<{ from: Date; to: Date }> = [];
  for (let start = from; start < to; ) {
    const end = new Date(Math.min(to.getTime(), start.getTime() + maxDays * 86_400_000));
    chunks.push({ from: start, to: end });
    start = end;
  }
  return chunks;
}
