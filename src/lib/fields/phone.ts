import { normaliseDigits } from '../locale/digits.ts';
import type { FieldModel, JsonObject } from '../model/types.ts';
import type { FieldType } from './field-type.ts';
import { hasXType, pickKeywords, quote, readString } from './schema-keywords.ts';
import { singleColumn, textFromRow } from './single-column.ts';

/** Digits from a record id, for placeholders that must stay unique. */
function digitsOf(recordId: string, count: number): string {
  const digits = recordId.replace(/[^0-9a-f]/gi, '').split('').map((c) => String(parseInt(c, 16) % 10)).join('');
  return digits.slice(-count).padStart(count, '0');
}

/** Stored form: E.164, `+` and 7 to 15 digits (the Ajv `phone` format checks the same). */
const E164 = /^\+[1-9][0-9]{6,14}$/;
const COUNTRY_CODE = /^[1-9][0-9]{0,2}$/;
export const DEFAULT_COUNTRY_CODE = '98';

function countryCode(schema: JsonObject): string {
  const code = readString(schema, 'x-default-country');
  return code !== undefined && COUNTRY_CODE.test(code) ? code : DEFAULT_COUNTRY_CODE;
}

/**
 * A phone number as people write it → E.164, or null when it cannot be read.
 * `+98 912 345 6789`, `0098-912-345-6789`, `(0912) 345 6789`, `۰۹۱۲۳۴۵۶۷۸۹` → `+989123456789`.
 * Bare digits with no `+`, `00` or `0`: 11 or more are read as international without the `+`,
 * 10 or fewer as a national number whose leading 0 was dropped (`9123456789` → `+989123456789`).
 */
export function toE164(text: string, defaultCountry: string): string | null {
  const compact = normaliseDigits(text)
    .replace(/^tel:/i, '')
    .replace(/\(0\)/g, '') // "+98 (0)912…": the trunk 0 written beside the country code
    .replace(/[\s\-().\u200C-\u200F\u202A-\u202E\u2066-\u2069]/g, '');
  let digits: string;
  if (compact.startsWith('+')) digits = compact.slice(1);
  else if (compact.startsWith('00')) digits = compact.slice(2);
  else if (compact.startsWith('0')) digits = defaultCountry + compact.slice(1);
  else if (compact.length >= 11) digits = compact;
  else digits = defaultCountry + compact;
  const e164 = '+' + digits;
  return E164.test(e164) ? e164 : null;
}

/** `{ type: 'string', format: 'phone' }`, optional `x-default-country` (digits, default "98"). */
export const phoneField = {
  name: 'phone',
  expressionType: 'text',
  widget: 'phone',
  searchable: true,
  personal: true,
  sortable: true,
  recognise: (schema) => schema.type === 'string' && hasXType(schema, 'phone', false) && schema.format === 'phone' && schema.enum === undefined,
  valueSchema: (schema) => ({ ...pickKeywords(schema, []), type: 'string', format: 'phone' }),
  configure: (schema, ctx) => {
    const code = schema['x-default-country'];
    if (code !== undefined && !(typeof code === 'string' && COUNTRY_CODE.test(code))) {
      ctx.report('/x-default-country', 'x-default-country must be a country calling code as a string of 1 to 3 digits, e.g. "98"');
    }
    return {};
  },
  ...singleColumn('text'),
  fromRow: textFromRow,
  parseCsv: (field: FieldModel, text) => {
    const shown = text.trim();
    if (shown === '') return { ok: true, value: null };
    const value = toE164(shown, countryCode(field.schema));
    return value === null
      ? { ok: false, message: `${quote(shown)} is not a valid phone number (expected an international number such as +98 912 345 6789, or a local number starting with 0)` }
      : { ok: true, value };
  },
  printCsv: (_field, value) => (typeof value === 'string' ? value : ''),
  // +999 is not assigned to any country; the digits come from the record id so that x-unique holds.
  erase: (field, value, recordId) => (value === null || !field.required ? null : `+999${digitsOf(recordId, 11)}`),
  operators: ['eq', 'neq', 'in', 'not_in', 'contains', 'starts_with', 'is_null'],
  filterKind: 'text',
  filterValueSchema: () => ({ type: 'string' }),
} satisfies FieldType;
