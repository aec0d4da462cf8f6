import { normaliseDigits } from '../locale/digits.ts';
import type { FieldType } from './field-type.ts';
import { isValidDate } from './calendar-date.ts';
import { hasXType, pickKeywords, quote } from './schema-keywords.ts';
import { columnValue, singleColumn, unexpectedColumnValue } from './single-column.ts';

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * ISO 8601 (also PostgreSQL's `2024-03-09 10:00:00+03:30`) → `toISOString()` form in UTC, or
 * null. No offset means UTC; a bare date means its midnight in UTC. Fractions past milliseconds
 * are cut, not rounded.
 */
export function parseDateTimeText(text: string): string | null {
  const match = ISO_DATE_TIME.exec(normaliseDigits(text.trim()));
  if (!match) return null;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(match[i] ?? 0)) as [number, number, number, number, number, number];
  const ms = Number((match[7] ?? '').slice(0, 3).padEnd(3, '0'));
  if (!isValidDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;

  let offsetMinutes = 0;
  const zone = match[8];
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = Number(digits.slice(2) || '0');
    if (hours > 23 || minutes > 59) return null;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
  }
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0–99 as 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute - offsetMinutes, second, ms);
  const utcYear = date.getUTCFullYear();
  return utcYear >= 1 && utcYear <= 9999 ? date.toISOString() : null;
}

/** `{ type: 'string', format: 'date-time' }`: an instant, always stored and returned in UTC. */
export const datetimeField = {
  name: 'datetime',
  expressionType: 'datetime',
  widget: 'datetime',
  searchable: false,
  personal: false,
  sortable: true,
  recognise: (schema) => schema.type === 'string' && hasXType(schema, 'datetime', false) && schema.format === 'date-time' && schema.enum === undefined,
  valueSchema: (schema) => ({ ...pickKeywords(schema, []), type: 'string', format: 'date-time' }),
  configure: () => ({}),
  ...singleColumn('timestamptz'),
  fromRow: (field, row) => {
    const value = columnValue(field, row);
    if (value === null) return null;
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
    const parsed = typeof value === 'string' ? parseDateTimeText(value) : null;
    if (parsed !== null) return parsed;
    throw unexpectedColumnValue(field, value);
  },
  parseCsv: (_field, text) => {
    const shown = text.trim();
    if (shown === '') return { ok: true, value: null };
    const value = parseDateTimeText(shown);
    return value === null
      ? { ok: false, message: `${quote(shown)} is not a valid date and time (expected ISO 8601, e.g. 2024-03-09T14:30:00Z or 2024-03-09T18:00:00+03:30)` }
      : { ok: true, value };
  },
  printCsv: (_field, value) => (typeof value === 'string' ? value : ''),
  operators: ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'between', 'in', 'not_in', 'is_null'],
  filterKind: 'scalar',
  filterValueSchema: () => ({ type: 'string', format: 'date-time' }),
} satisfies FieldType;
