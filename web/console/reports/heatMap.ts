import type { TimeseriesBucket } from '../../../shared/agentApi.js';
import { el } from '../../common/dom.js';
import { dataTable, type Cell, type TableData } from './dataTable.js';
import type { Formatters } from './format.js';
import type { ReportStrings } from './strings.js';

/** Chats started per weekday × hour of day (browser time), folded from hour buckets. */
export function weekHourCounts(hours: TimeseriesBucket[]): number[][] {
  const counts = Array.from({ length: 7 }, () => Array<number>(24).fill(0));
  for (const bucket of hours) {
    const start = new Date(bucket.start);
    counts[start.getDay()]![start.getHours()]! += bucket.chatsStarted;
  }
  return counts;
}

/**
 * The heat map is a table: each cell's shade says how busy that hour was, its number says
 * exactly; a totals row and column, and the CSV export of the same rows.
 */
export function heatMap(hours: TimeseriesBucket[], strings: ReportStrings, fmt: Formatters): HTMLElement {
  const counts = weekHourCounts(hours);
  const max = Math.max(1, ...counts.flat());
  const hourColumns = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));
  const num = (value: number): Cell => ({ text: fmt.integer(value), value });
  const data: TableData = {
    columns: [strings.columns.weekday, ...hourColumns, strings.columns.total],
    rows: counts.map((row, day) => [{ text: strings.weekdays[day]!, value: strings.weekdays[day]! }, ...row.map(num), num(row.reduce((a, b) => a + b, 0))]),
    totals: [
      { text: strings.totals, value: strings.totals },
      ...hourColumns.map((_, h) => num(counts.reduce((total, row) => total + row[h]!, 0))),
      num(counts.flat().reduce((a, b) => a + b, 0)),
    ],
  };
  const numbers = dataTable('heatmap', strings.heatmap, data, strings);
  // Shade the body cells (not the totals) by their share of the busiest hour.
  numbers.querySelectorAll('tbody tr').forEach((tr, day) => {
    tr.querySelectorAll('td').forEach((td, h) => {
      if (h >= 24) return;
      const share = counts[day]![h]! / max;
      td.style.background = `rgba(11, 110, 79, ${(share * 0.85).toFixed(3)})`;
      if (share > 0.5) td.style.color = '#fff';
    });
  });
  numbers.classList.add('heatmap');
  return el('div', { class: 'heatmap-wrap' }, numbers);
}
