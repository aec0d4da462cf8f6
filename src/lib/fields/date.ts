import { normaliseDigits } from '../locale/digits.ts';
import type { FieldType } from './field-type.ts';
import { formatDate, formatUtcDate, isValidDate } from './calendar-date.ts';
import { hasXType, pickKeywords, quote } from './schema-keywords.ts';
import { columnValue, singleColumn, unexpectedColumnValue } from './single-column.ts';

export type DateTextResult = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly message: string };

/**
 * "2024-03-09", "2024/3/9", "۲۰۲۴/۰۳/۰۹" → "2024-03-09". Impossible dates are refused, never
 * rolled over. Years 1300–1499 are refused too: with Persian digits they are almost always
 * Solar Hijri dates (1403/01/01), which read as Gregorian would be six centuries off.
 */
export function parseDateText(text: string): DateTextResult {
  const shown = text.trim();
  const match = /^(\d{4})([-/])(\d{1,2})\2(\d{1,2})$/.exec(normaliseDigits(shown));
  if (!match) return { ok: false, message: `${quote(shown)} is not a valid date (expected YYYY-MM-DD)` };
  const [year, month, day] = [match[1], match[3], match[4]].map(Number) as [number, number, number];
  if (year >= 1300 && year < 1500) {
    return { ok: false, message: `${quote(shown)} looks like a Persian (Solar Hijri) calendar date; expected a Gregorian date as YYYY-MM-DD` };
  }
  if (!isValidDate(year, month, day)) {
    return { ok: false, message: `${quote(shown)} is not a valid date (there is no day ${day} in month ${month} of ${year}; expected YYYY-MM-DD)` };
  }
  return { ok: true, value: formatDate(year, month, day) };
}

/** `{ type: 'string', format: 'date' }`: a calendar day, `YYYY-MM-DD`, no time zone. */
export const dateField = {
  name: 'date',
  expressionType: 'date',
  widget: 'date',
  searchable: false,
  personal: true,
  sortable: true,
  recognise: (schema) => schema.type === 'string' && hasXType(schema, 'date', false) && schema.format === 'date' && schema.enum === undefined,
  valueSchema: (schema) => ({ ...pickKeywords(schema, []), type: 'string', format: 'date' }),
  configure: () => ({}),
  ...singleColumn('date'),
  fromRow: (field, row) => {
    const value = columnValue(field, row);
    if (value === null) return null;
    if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value)) return value.slice(0, 10);
    if (value instanceof Date && !Number.isNaN(value.getTime())) return formatUtcDate(value);
    throw unexpectedColumnValue(field, value);
  },
  parseCsv: (_field, text) => (text.trim() === '' ? { ok: true, value: null } : parseDateText(text)),
  printCsv: (_field, value) => (typeof value === 'string' ? value.slice(0, 10) : ''),
  erase: (field, value) => (value === null || !field.required ? null : '1900-01-01'),
  operators: ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'between', 'in', 'not_in', 'is_null'],
  filterKind: 'scalar',
  filterValueSchema: () => ({ type: 'string', format: 'date' }),
} satisfies FieldType;
