/**
 * Writing CSV: RFC 4180 quoting, every cell neutralised against formula injection.
 *
 *   csvLine(['Sara', 'a "quoted", word', '=1+1'])  // 'Sara,"a ""quoted"", word",\'=1+1\r\n'
 */
import { neutraliseCell } from './neutralise.ts';

/** The UTF-8 byte-order mark: Excel needs it to read a UTF-8 CSV as UTF-8 (Persian text otherwise turns into mojibake). */
export const UTF8_BOM = '\uFEFF';

export function csvCell(text: string, delimiter = ','): string {
  const safe = neutraliseCell(text);
  return safe.includes('"') || safe.includes(delimiter) || safe.includes('\n') || safe.includes('\r') || safe !== safe.trim() ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One record, CRLF-terminated (what spreadsheets write and expect). */
export function csvLine(cells: readonly string[], delimiter = ','): string {
  return `${cells.map((c) => csvCell(c, delimiter)).join(delimiter)}\r\n`;
}
