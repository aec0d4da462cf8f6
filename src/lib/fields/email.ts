import type { FieldType } from './field-type.ts';
import { hasXType, pickKeywords, quote } from './schema-keywords.ts';
import { singleColumn, textFromRow } from './single-column.ts';

/** The address shape Ajv's `email` format accepts (ajv-formats, full mode). */
const EMAIL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i;

/** `{ type: 'string', format: 'email' }` */
export const emailField = {
  name: 'email',
  expressionType: 'text',
  widget: 'email',
  searchable: true,
  personal: true,
  sortable: true,
  recognise: (schema) => schema.type === 'string' && hasXType(schema, 'email', false) && schema.format === 'email' && schema.enum === undefined,
  valueSchema: (schema) => ({ ...pickKeywords(schema, ['minLength', 'maxLength', 'pattern']), type: 'string', format: 'email' }),
  configure: () => ({}),
  ...singleColumn('text'),
  fromRow: textFromRow,
  parseCsv: (_field, text) => {
    const shown = text.trim();
    if (shown === '') return { ok: true, value: null };
    const address = shown.replace(/^mailto:/i, '');
    if (!EMAIL.test(address)) return { ok: false, message: `${quote(shown)} is not a valid email address (expected name@example.com)` };
    // The domain is case-insensitive; the local part is left as written.
    const at = address.lastIndexOf('@');
    return { ok: true, value: address.slice(0, at) + address.slice(at).toLowerCase() };
  },
  printCsv: (_field, value) => (typeof value === 'string' ? value : ''),
  // A required address stays valid and unique: the record id is in it.
  erase: (field, value, recordId) => (value === null || !field.required ? null : `erased+${recordId}@invalid.example`),
  operators: ['eq', 'neq', 'in', 'not_in', 'contains', 'starts_with', 'is_null', 'lt', 'lte', 'gt', 'gte'],
  filterKind: 'text',
  filterValueSchema: () => ({ type: 'string' }),
} satisfies FieldType;
