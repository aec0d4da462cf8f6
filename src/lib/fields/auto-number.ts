import type { AutoNumberModel, JsonObject } from '../model/types.ts';
import type { FieldType } from './field-type.ts';
import { hasXType, pickKeywords, readString } from './schema-keywords.ts';
import { textFromRow } from './single-column.ts';

const FORMAT = /^([A-Za-z0-9_\-/.#]{0,20})\{(0{1,12})\}$/;

/** "INV-{000000}" → { prefix: 'INV-', digits: 6 }, or null when it is not of that form. */
export function parseAutoNumberFormat(format: string): AutoNumberModel | null {
  const match = FORMAT.exec(format);
  return match ? { prefix: match[1] ?? '', digits: match[2]?.length ?? 0 } : null;
}

function formatOf(schema: JsonObject): string | undefined {
  return readString(schema, 'x-format');
}

/**
 * `{ type: 'string', 'x-type': 'auto_number', 'x-format': 'INV-{000000}' }`: numbered by the
 * database's default on insert, read-only to everyone.
 */
export const autoNumberField = {
  name: 'auto_number',
  expressionType: 'text',
  widget: 'auto-number',
  searchable: true,
  personal: false,
  sortable: true,
  recognise: (schema) => schema.type === 'string' && hasXType(schema, 'auto_number', true) && schema.format === undefined && schema.enum === undefined,
  valueSchema: (schema) => {
    const annotations = pickKeywords(schema, []);
    delete annotations.default; // the database numbers records
    return { ...annotations, type: 'string', readOnly: true };
  },
  configure: (schema, ctx) => {
    const format = formatOf(schema);
    const autoNumber = format === undefined ? null : parseAutoNumberFormat(format);
    if (autoNumber === null) {
      ctx.report(
        '/x-format',
        `x-format ${format === undefined ? 'is missing' : JSON.stringify(format) + ' is not valid'}: expected up to 20 letters, digits or _-/.# followed by 1 to 12 zeros in braces, e.g. "INV-{000000}"`,
      );
    }
    return { autoNumber, readOnly: true };
  },
  columns: (field) => [{ name: field.name, sqlType: 'text' }],
  // Never written: the column default numbers new records, and the number never changes.
  toRow: () => ({}),
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
