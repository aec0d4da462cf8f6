import type { FieldType } from './field-type.ts';
import { decimalFromRow, decimalValueSchema } from './decimal.ts';
import { checkScale, parseDecimalText, readScale, toCsvResult } from './decimal-text.ts';
import { hasXType, quote } from './schema-keywords.ts';
import { singleColumn } from './single-column.ts';

/**
 * `{ type: 'string', format: 'decimal', 'x-type': 'percent' }`: the value "12.5" means 12.5 %
 * (not 0.125), so what people type is what is stored.
 */
export const percentField = {
  name: 'percent',
  expressionType: 'number',
  widget: 'percent',
  searchable: false,
  personal: false,
  sortable: true,
  recognise: (schema) => schema.type === 'string' && hasXType(schema, 'percent', true) && schema.format === 'decimal' && schema.enum === undefined,
  valueSchema: decimalValueSchema,
  configure: (schema, ctx) => {
    checkScale(schema, ctx);
    return {};
  },
  ...singleColumn('numeric'),
  fromRow: decimalFromRow,
  parseCsv: (field, text) => {
    const shown = text.trim();
    if (shown === '') return { ok: true, value: null };
    // The sign may sit on either side: right-to-left text often puts ٪ first.
    const number = shown.replace(/^[%\u066A]\s*|\s*[%\u066A]$/, '');
    const invalid = { ok: false, message: `${quote(shown)} is not a valid percentage (expected a number such as 12.5 or 12.5%)` } as const;
    if (number === '' || /[%\u066A]/.test(number)) return invalid;
    const parsed = parseDecimalText(number, readScale(field.schema));
    return parsed.ok || parsed.reason === 'range' ? toCsvResult(parsed) : invalid;
  },
  // Printed without the sign: spreadsheets read "12.5%" as 0.125.
  printCsv: (_field, value) => (typeof value === 'string' ? value : ''),
  operators: ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'not_in', 'between', 'is_null'],
  filterKind: 'scalar',
  filterValueSchema: () => ({ type: 'string', format: 'decimal' }),
} satisfies FieldType;
