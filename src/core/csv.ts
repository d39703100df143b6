/**
 * CSV (RFC 4180) for downloads: the audit trail, the daily report. A cell that a spreadsheet
 * would read as a formula (starting with = + - @, or a tab or carriage return that some strip
 * before checking) gets a leading apostrophe, so text chosen by a caller (an action, a camera
 * name) cannot run in the reader's spreadsheet (OWASP "CSV injection").
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value);
  // numbers are data, not formulas: a negative status or id stays a number
  if (typeof value !== 'number' && FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvLine = (cells: readonly unknown[]): string => `${cells.map(csvCell).join(',')}\r\n`;
