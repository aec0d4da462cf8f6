import type { FieldType } from './field-type.ts';
import { hasXType, pickKeywords } from './schema-keywords.ts';
import { singleColumn, textFromRow } from './single-column.ts';

/** `{ type: 'string', 'x-type': 'long_text' }`: only ever chosen explicitly. */
export const longTextField = {
  name: 'long_text',
  expressionType: 'text',
  widget: 'textarea',
  searchable: true,
  personal: true,
  sortable: false,
  recognise: (schema) => schema.type === 'string' && hasXType(schema, 'long_text', true) && schema.format === undefined && schema.enum === undefined,
  valueSchema: (schema) => ({ ...pickKeywords(schema, ['minLength', 'maxLength', 'pattern']), type: 'string' }),
  configure: () => ({}),
  ...singleColumn('text'),
  fromRow: textFromRow,
  parseCsv: (_field, text) => {
    // Only the ends are trimmed: line breaks inside the text are content.
    const value = text.trim();
    return { ok: true, value: value === '' ? null : value };
  },
  printCsv: (_field, value) => (typeof value === 'string' ? value : ''),
  operators: ['contains', 'starts_with', 'is_null', 'eq', 'neq'],
  filterKind: 'text',
  filterValueSchema: () => ({ type: 'string' }),
} satisfies FieldType;
