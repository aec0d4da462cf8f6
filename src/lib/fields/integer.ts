import { normaliseDigits } from '../locale/digits.ts';
import type { JsonObject } from '../model/types.ts';
import type { FieldType } from './field-type.ts';
import { hasXType, pickKeywords, quote } from './schema-keywords.ts';
import { columnValue, singleColumn, unexpectedColumnValue } from './single-column.ts';

/**
 * The bounds a value schema carries. The column is bigint but values travel as JSON numbers, so
 * anything past the safe-integer range would silently lose digits: missing or wider bounds are
 * clamped to it.
 */
function bounds(schema: JsonObject): { minimum: number; maximum: number } {
  const { minimum, maximum } = schema;
  return {
    minimum: typeof minimum === 'number' ? Math.max(minimum, Number.MIN_SAFE_INTEGER) : Number.MIN_SAFE_INTEGER,
    maximum: typeof maximum === 'number' ? Math.min(maximum, Number.MAX_SAFE_INTEGER) : Number.MAX_SAFE_INTEGER,
  };
}

/** "1,234", "-7", "+3", "12.0", "۱۲۳" → a safe integer, or null. */
export function parseIntegerText(text: string): number | null {
  let s = normaliseDigits(text.trim()).replace(/^\u2212/, '-');
  const sign = s.startsWith('-') ? -1 : 1;
  if (s.startsWith('-') || s.startsWith('+')) s = s.slice(1);
  if (s.includes(',')) {
    if (!/^\d{1,3}(,\d{3})+(\.0*)?$/.test(s)) return null;
    s = s.replaceAll(',', '');
  }
  const match = /^(\d+)(?:\.0*)?$/.exec(s);
  if (!match?.[1]) return null;
  const value = sign * Number(match[1]);
  return Number.isSafeInteger(value) ? value || 0 : null;
}

/** `{ type: 'integer' }` with optional `minimum` / `maximum`. Stored as bigint, read as a number. */
export const integerField = {
  name: 'integer',
  expressionType: 'number',
  widget: 'integer',
  searchable: false,
  personal: false,
  sortable: true,
  recognise: (schema) => schema.type === 'integer' && hasXType(schema, 'integer', false) && schema.enum === undefined,
  valueSchema: (schema) => ({ ...pickKeywords(schema, []), type: 'integer', ...bounds(schema) }),
  configure: (schema, ctx) => {
    for (const key of ['minimum', 'maximum'] as const) {
      const bound = schema[key];
      if (bound !== undefined && !(typeof bound === 'number' && Number.isSafeInteger(bound))) {
        ctx.report(`/${key}`, `${key} must be a whole number between ${Number.MIN_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}`);
      }
    }
    const { minimum, maximum } = bounds(schema);
    if (minimum > maximum) ctx.report('/minimum', `minimum (${minimum}) is greater than maximum (${maximum})`);
    return {};
  },
  ...singleColumn('bigint'),
  fromRow: (field, row) => {
    const value = columnValue(field, row);
    if (value === null) return null;
    if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string') {
      const n = Number(value);
      if (Number.isSafeInteger(n)) return n;
    }
    throw unexpectedColumnValue(field, value);
  },
  parseCsv: (_field, text) => {
    const shown = text.trim();
    if (shown === '') return { ok: true, value: null };
    const value = parseIntegerText(shown);
    return value === null
      ? { ok: false, message: `${quote(shown)} is not a valid whole number (expected digits such as 42 or -1,250)` }
      : { ok: true, value };
  },
  printCsv: (_field, value) => (typeof value === 'number' ? String(value) : ''),
  operators: ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'not_in', 'between', 'is_null'],
  filterKind: 'scalar',
  filterValueSchema: () => ({ type: 'integer', minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER }),
} satisfies FieldType;
