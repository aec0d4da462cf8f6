/**
 * The shape of a CSV file from its first characters: the delimiter, and how many columns the
 * header has — counted without parsing the rest, so that a file with 100,000 columns is refused
 * after reading its first kilobytes.
 *
 *   sniffDelimiter('name;email\nSara;s@x.ir\n')      // ';'
 *   scanHeader('a,b,"c,d"\n1,2,3', ',', 1000)        // { columns: 3, complete: true }
 */

export const DELIMITERS = [',', ';', '\t', '|'] as const;
export type Delimiter = (typeof DELIMITERS)[number];

export function isDelimiter(value: unknown): value is Delimiter {
  return (DELIMITERS as readonly unknown[]).includes(value);
}

/** Up to `max` records of `text` (quoted newlines kept inside a record); the last one may be cut off. */
function firstRecords(text: string, max: number): string[] {
  const records: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length && records.length < max; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) {
      if (i > start) records.push(text.slice(start, i));
      if (ch === '\r' && text[i + 1] === '\n') i++;
      start = i + 1;
    }
  }
  if (records.length < max && start < text.length) records.push(text.slice(start));
  return records.filter((r) => r.trim() !== '');
}

function countOutsideQuotes(record: string, delimiter: string): number {
  let quoted = false;
  let n = 0;
  for (const ch of record) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === delimiter) n++;
  }
  return n;
}

/**
 * The delimiter among `, ; tab |` that splits the first records most consistently (the same
 * non-zero count on the most lines; more columns break ties, then the order above). A file of one
 * column has none of them and reads as comma-separated.
 */
export function sniffDelimiter(sample: string): Delimiter {
  const records = firstRecords(sample.replace(/^\uFEFF/, ''), 20);
  // The last record may be cut off by the end of the sample: only use it when it is the only one.
  const complete = records.length > 1 ? records.slice(0, -1) : records;
  let best: { delimiter: Delimiter; agreeing: number; columns: number } | null = null;
  for (const delimiter of DELIMITERS) {
    const counts = complete.map((r) => countOutsideQuotes(r, delimiter));
    const header = counts[0] ?? 0;
    if (header === 0) continue;
    const agreeing = counts.filter((c) => c === header).length;
    if (!best || agreeing > best.agreeing || (agreeing === best.agreeing && header > best.columns)) best = { delimiter, agreeing, columns: header };
  }
  return best?.delimiter ?? ',';
}

export interface HeaderScan {
  /** Columns counted so far (all of them when `complete`). */
  readonly columns: number;
  /** The header record ended inside `text`. */
  readonly complete: boolean;
  /** Characters of `text` the header takes, line break included (when complete). */
  readonly length: number;
}

/** Counts the header's columns, stopping as soon as there are more than `max`. */
export function scanHeader(text: string, delimiter: string, max: number): HeaderScan {
  let quoted = false;
  let columns = 1;
  const start = text.startsWith('\uFEFF') ? 1 : 0;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted) {
      if (ch === delimiter) {
        columns++;
        if (columns > max) return { columns, complete: false, length: i + 1 };
      } else if (ch === '\n' || ch === '\r') {
        const length = ch === '\r' && text[i + 1] === '\n' ? i + 2 : i + 1;
        return { columns, complete: true, length };
      }
    }
  }
  return { columns, complete: false, length: text.length };
}

/**
 * Header cells as mapping keys: trimmed, a blank one named after its position ("Column 3"), and a
 * repeated one numbered ("Email (2)"), so that every column can be named in a mapping.
 */
export function uniqueHeaders(cells: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return cells.map((cell, i) => {
    const base = cell.replace(/^\uFEFF/, '').trim() || `Column ${i + 1}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base} (${n})`;
  });
}
