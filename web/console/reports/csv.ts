/** CSV for spreadsheets: RFC 4180 quoting, CRLF, and no cell a spreadsheet would run as a formula. */

export type CsvValue = string | number | null;

function cell(value: CsvValue): string {
  if (value === null) return '';
  let text = String(value);
  // A typed name such as `=HYPERLINK(…)` must stay text in Excel or Sheets.
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows: CsvValue[][]): string {
  return rows.map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** Hands the browser a CSV file to save. */
export function downloadCsv(fileName: string, rows: CsvValue[][]): void {
  // A BOM so spreadsheet programs read the accents as UTF-8.
  const blob = new Blob(['\uFEFF', toCsv(rows)], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
