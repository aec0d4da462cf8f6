/**
 * Local date formats for import: "DD/MM/YYYY", "M/D/YYYY", "DD.MM.YYYY HH:mm" … Tried in the
 * order given; the first that matches *and* names a real calendar day wins. Persian and Arabic
 * digits are accepted. Days are never rolled over (31/02/2024 matches no format).
 *
 *   const formats = compileDateFormats(['DD/MM/YYYY', 'MM/DD/YYYY']);
 *   parseLocalDate('25/12/2024', formats)        // '2024-12-25' (the first format fits)
 *   parseLocalDate('12/25/2024', formats)        // '2024-12-25' (only the second one does)
 *   parseLocalDateTime('25/12/2024 14:30', compileDateFormats(['DD/MM/YYYY HH:mm']))  // '2024-12-25T14:30:00.000Z'
 */
import { formatDate, isValidDate } from '../fields/calendar-date.ts';
import { normaliseDigits } from '../locale/digits.ts';

export const DEFAULT_DATE_FORMATS = ['YYYY-MM-DD'] as const;

const TOKENS = ['YYYY', 'YY', 'MM', 'M', 'DD', 'D', 'HH', 'H', 'mm', 'ss'] as const;
type Token = (typeof TOKENS)[number];

const TOKEN_PATTERN: Readonly<Record<Token, string>> = {
  YYYY: '(\\d{4})',
  YY: '(\\d{2})',
  MM: '(\\d{2})',
  M: '(\\d{1,2})',
  DD: '(\\d{2})',
  D: '(\\d{1,2})',
  HH: '(\\d{2})',
  H: '(\\d{1,2})',
  mm: '(\\d{2})',
  ss: '(\\d{2})',
};

export interface DateFormat {
  readonly source: string;
  readonly regex: RegExp;
  readonly tokens: readonly Token[];
  readonly hasTime: boolean;
}

export type DateFormatResult = { readonly ok: true; readonly formats: readonly DateFormat[] } | { readonly ok: false; readonly message: string };

/** Checks and compiles formats; tokens are the schema's, separators `- / . : T` and space. */
export function compileDateFormats(sources: readonly string[]): readonly DateFormat[] {
  const result = tryCompileDateFormats(sources);
  if (!result.ok) throw new Error(result.message);
  return result.formats;
}

export function tryCompileDateFormats(sources: readonly string[]): DateFormatResult {
  const formats: DateFormat[] = [];
  for (const source of sources) {
    let rest = source;
    let pattern = '';
    const tokens: Token[] = [];
    while (rest.length > 0) {
      const token = TOKENS.find((t) => rest.startsWith(t));
      if (token) {
        tokens.push(token);
        pattern += TOKEN_PATTERN[token];
        rest = rest.slice(token.length);
        continue;
      }
      const ch = rest[0] ?? '';
      if (!'-/. :T'.includes(ch)) return { ok: false, message: `date format ${JSON.stringify(source)}: "${ch}" is neither a token (YYYY, YY, MM, M, DD, D, HH, H, mm, ss) nor a separator (- / . : T or a space)` };
      pattern += ch === ' ' ? '\\s+' : `\\${ch}`;
      rest = rest.slice(1);
    }
    const has = (...names: Token[]) => names.some((n) => tokens.includes(n));
    if (!has('YYYY', 'YY') || !has('MM', 'M') || !has('DD', 'D')) return { ok: false, message: `date format ${JSON.stringify(source)} needs a year, a month and a day` };
    if (new Set(tokens.map((t) => t[0])).size !== tokens.length) return { ok: false, message: `date format ${JSON.stringify(source)} names a part twice` };
    formats.push({ source, regex: new RegExp(`^${pattern}$`), tokens, hasTime: has('HH', 'H') });
  }
  return { ok: true, formats };
}

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function match(text: string, format: DateFormat): Parts | null {
  const m = format.regex.exec(text);
  if (!m) return null;
  const parts: Parts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  format.tokens.forEach((token, i) => {
    const n = Number(m[i + 1]);
    if (token === 'YYYY') parts.year = n;
    // Two-digit years: 00–69 are 2000–2069, 70–99 are 1970–1999 (the POSIX strptime rule).
    else if (token === 'YY') parts.year = n < 70 ? 2000 + n : 1900 + n;
    else if (token === 'MM' || token === 'M') parts.month = n;
    else if (token === 'DD' || token === 'D') parts.day = n;
    else if (token === 'HH' || token === 'H') parts.hour = n;
    else if (token === 'mm') parts.minute = n;
    else parts.second = n;
  });
  if (!isValidDate(parts.year, parts.month, parts.day) || parts.hour > 23 || parts.minute > 59 || parts.second > 59) return null;
  return parts;
}

/** `YYYY-MM-DD`, or null when no format fits (formats with a time part are skipped). */
export function parseLocalDate(text: string, formats: readonly DateFormat[]): string | null {
  const shown = normaliseDigits(text.trim());
  for (const format of formats) {
    if (format.hasTime) continue;
    const parts = match(shown, format);
    if (parts) return formatDate(parts.year, parts.month, parts.day);
  }
  return null;
}

/** An instant in UTC (`toISOString()` form), or null. A format without a time part means midnight UTC. */
export function parseLocalDateTime(text: string, formats: readonly DateFormat[]): string | null {
  const shown = normaliseDigits(text.trim());
  for (const format of formats) {
    const parts = match(shown, format);
    if (!parts) continue;
    const date = new Date(0);
    date.setUTCFullYear(parts.year, parts.month - 1, parts.day);
    date.setUTCHours(parts.hour, parts.minute, parts.second, 0);
    return date.toISOString();
  }
  return null;
}
