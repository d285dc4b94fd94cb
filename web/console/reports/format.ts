import type { ReportLocale } from './strings.js';

/** Numbers, durations and bucket labels in the page's locale and the browser's time zone. */
export function formatters(locale: ReportLocale) {
  const integer = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  const decimal = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
  const day = new Intl.DateTimeFormat(locale, { weekday: 'short', day: '2-digit', month: '2-digit', year: 'numeric' });
  const hour = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' });
  return {
    integer: (n: number) => integer.format(n),
    percent: (share: number | null) => (share === null ? '—' : percent.format(share)),
    /** 45 s, 2,5 min, 1,2 h. */
    duration(ms: number | null): string {
      if (ms === null) return '—';
      if (ms < 60_000) return `${decimal.format(ms / 1000)} s`;
      if (ms < 3_600_000) return `${decimal.format(ms / 60_000)} min`;
      return `${decimal.format(ms / 3_600_000)} h`;
    },
    bucket(startIso: string, bucket: 'hour' | 'day'): string {
      const date = new Date(startIso);
      return bucket === 'day' ? day.format(date) : `${day.format(date)} ${hour.format(date)}`;
    },
  };
}

export type Formatters = ReturnType<typeof formatters>;
