import type { FieldType } from './field-type.ts';
import { hasXType, pickKeywords } from './schema-keywords.ts';
import { singleColumn, textFromRow } from './single-column.ts';

/** `{ type: 'string' }` with no format, enum or relation keywords. */
export const textField = {
  name: 'text',
  expressionType: 'text',
  widget: 'text',
  searchable: true,
  personal: true,
  sortable: true,
  recognise: (schema) =>
    schema.type === 'string' &&
    hasXType(schema, 'text', false) &&
    schema.format === undefined &&
    schema.enum === undefined &&
    schema.const === undefined &&
    schema['x-ref'] === undefined,
  valueSchema: (schema) => ({ ...pickKeywords(schema, ['minLength', 'maxLength', 'pattern']), type: 'string' }),
  // `pattern` is checked where patterns are compiled (RE2, in model/ajv.ts), not here.
  configure: () => ({}),
  ...singleColumn('text'),
  fromRow: textFromRow,
  parseCsv: (_field, text) => {
    const value = text.trim();
    return { ok: true, value: value === '' ? null : value };
  },
  printCsv: (_field, value) => (typeof value === 'string' ? value : ''),
  operators: ['eq', 'neq', 'in', 'not_in', 'contains', 'starts_with', 'is_null', 'lt', 'lte', 'gt', 'gte'],
  filterKind: 'text',
  filterValueSchema: () => ({ type: 'string' }),
} satisfies FieldType;
