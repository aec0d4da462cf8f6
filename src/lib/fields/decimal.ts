import type { FieldModel, JsonObject } from '../model/types.ts';
import type { FieldType } from './field-type.ts';
import { checkScale, parseDecimalText, readScale, scalePattern, toCsvResult } from './decimal-text.ts';
import { hasXType, pickKeywords } from './schema-keywords.ts';
import { columnValue, singleColumn } from './single-column.ts';

/** The value schema decimal and percent share: a decimal string, its fraction limited by `x-scale`. */
export function decimalValueSchema(schema: JsonObject): JsonObject {
  const scale = readScale(schema);
  return { ...pickKeywords(schema, []), type: 'string', format: 'decimal', ...(scale === undefined ? {} : { pattern: scalePattern(scale) }) };
}

/** numeric → the driver's text, never a float. */
export function decimalFromRow(field: FieldModel, row: Readonly<Record<string, unknown>>): string | null {
  const value = columnValue(field, row);
  return value === null ? null : String(value);
}

/** `{ type: 'string', format: 'decimal' }`, optional `x-scale` (0–10 digits after the point). */
export const decimalField = {
  name: 'decimal',
  expressionType: 'number',
  widget: 'decimal',
  searchable: false,
  personal: false,
  sortable: true,
  recognise: (schema) => schema.type === 'string' && hasXType(schema, 'decimal', false) && schema.format === 'decimal' && schema.enum === undefined,
  valueSchema: decimalValueSchema,
  configure: (schema, ctx) => {
    checkScale(schema, ctx);
    return {};
  },
  ...singleColumn('numeric'),
  fromRow: decimalFromRow,
  parseCsv: (field, text) => (text.trim() === '' ? { ok: true, value: null } : toCsvResult(parseDecimalText(text, readScale(field.schema)))),
  printCsv: (_field, value) => (typeof value === 'string' ? value : ''),
  operators: ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'not_in', 'between', 'is_null'],
  filterKind: 'scalar',
  filterValueSchema: () => ({ type: 'string', format: 'decimal' }),
} satisfies FieldType;
