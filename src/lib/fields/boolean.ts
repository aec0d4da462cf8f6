import { normaliseDigits } from '../locale/digits.ts';
import type { FieldType } from './field-type.ts';
import { hasXType, pickKeywords, quote } from './schema-keywords.ts';
import { columnValue, singleColumn, unexpectedColumnValue } from './single-column.ts';

/** Case-insensitive words for true and false, in English, Persian and Arabic. */
const WORDS: ReadonlyMap<string, boolean> = new Map([
  ['true', true], ['yes', true], ['1', true], ['بله', true], ['نعم', true],
  ['false', false], ['no', false], ['0', false], ['خیر', false], ['لا', false],
]);

/** `{ type: 'boolean' }` */
export const booleanField = {
  name: 'boolean',
  expressionType: 'boolean',
  widget: 'checkbox',
  searchable: false,
  personal: false,
  sortable: true,
  recognise: (schema) => schema.type === 'boolean' && hasXType(schema, 'boolean', false),
  valueSchema: (schema) => ({ ...pickKeywords(schema, []), type: 'boolean' }),
  configure: () => ({}),
  ...singleColumn('boolean'),
  fromRow: (field, row) => {
    const value = columnValue(field, row);
    if (value === null || typeof value === 'boolean') return value;
    throw unexpectedColumnValue(field, value);
  },
  parseCsv: (_field, text) => {
    const shown = text.trim();
    if (shown === '') return { ok: true, value: null };
    // Persian keyboards type ی (U+06CC), Arabic ones ي (U+064A): both spell خیر.
    const value = WORDS.get(normaliseDigits(shown).toLowerCase().replace(/\u064A/g, '\u06CC'));
    return value === undefined
      ? { ok: false, message: `${quote(shown)} is not a yes/no value (expected true, false, yes, no, 1, 0, بله or خیر)` }
      : { ok: true, value };
  },
  printCsv: (_field, value) => (typeof value === 'boolean' ? String(value) : ''),
  operators: ['eq', 'neq', 'is_null'],
  filterKind: 'scalar',
  filterValueSchema: () => ({ type: 'boolean' }),
} satisfies FieldType;
