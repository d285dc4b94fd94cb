import { el } from '../../common/dom.js';
import { downloadCsv, type CsvValue } from './csv.js';
import type { ReportStrings } from './strings.js';

/** A cell: what people read, and the raw value the CSV and `data-value` carry. */
export interface Cell {
  text: string;
  value: CsvValue;
}

export interface TableData {
  columns: string[];
  rows: Cell[][];
  /** A totals row, shown last and exported last. */
  totals?: Cell[];
}

/**
 * A chart's numbers as a table (what screen readers read) with a CSV export of exactly its
 * rows: header, body, totals.
 */
export function dataTable(id: string, caption: string, data: TableData, strings: ReportStrings): HTMLElement {
  const row = (cells: Cell[]) =>
    el(
      'tr',
      {},
      ...cells.map((c, i) =>
        i === 0 ? el('th', { scope: 'row', 'data-value': String(c.value ?? '') }, c.text) : el('td', { 'data-value': String(c.value ?? '') }, c.text),
      ),
    );
  const table = el(
    'table',
    { class: 'report-table', id: `${id}-table` },
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, ...data.columns.map((c) => el('th', { scope: 'col' }, c)))),
    el('tbody', {}, ...data.rows.map((cells) => row(cells))),
    data.totals ? el('tfoot', {}, row(data.totals)) : null,
  );
  const exportButton = el('button', { type: 'button', class: 'secondary csv', 'data-csv': id }, strings.csv);
  exportButton.addEventListener('click', () => downloadCsv(`${id}.csv`, csvRows(data)));
  return el(
    'details',
    { class: 'report-numbers', open: true },
    el('summary', {}, strings.numbers),
    el('div', { class: 'report-table-wrap' }, table),
    exportButton,
  );
}

export function csvRows(data: TableData): CsvValue[][] {
  return [data.columns, ...data.rows.map((r) => r.map((c) => c.value)), ...(data.totals ? [data.totals.map((c) => c.value)] : [])];
}
