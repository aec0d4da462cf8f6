import type { FieldType } from './field-type.ts';
import { hasXType, pickKeywords, quote } from './schema-keywords.ts';
import { singleColumn, textFromRow } from './single-column.ts';

const MAX_URL_LENGTH = 2048;

/**
 * A web address or null. "www.example.com" (no scheme) is read as https: people paste addresses
 * the way browsers show them.
 */
export function toHttpUrl(text: string): string | null {
  const candidate = /^[a-z][a-z0-9+.-]*:/i.test(text) ? text : /^[^\s/:]+\.[^\s]+$/.test(text) ? `https://${text}` : text;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (/\s/.test(candidate) || url.hostname === '' || candidate.length > MAX_URL_LENGTH) return null;
  return candidate.replace(/^https?:/i, (scheme) => scheme.toLowerCase());
}

/** `{ type: 'string', format: 'url' }`: http and https only. */
export const urlField = {
  name: 'url',
  expressionType: 'text',
  widget: 'url',
  searchable: true,
  personal: true,
  sortable: true,
  recognise: (schema) => schema.type === 'string' && hasXType(schema, 'url', false) && schema.format === 'url' && schema.enum === undefined,
  // The platform's `url` format (model/ajv.ts) accepts http and https only.
  valueSchema: (schema) => ({ ...pickKeywords(schema, ['minLength', 'maxLength']), type: 'string', format: 'url' }),
  configure: () => ({}),
  ...singleColumn('text'),
  fromRow: textFromRow,
  parseCsv: (_field, text) => {
    const shown = text.trim();
    if (shown === '') return { ok: true, value: null };
    const value = toHttpUrl(shown);
    return value === null
      ? { ok: false, message: `${quote(shown)} is not a valid web address (expected http:// or https:// followed by a domain, e.g. https://example.com)` }
      : { ok: true, value };
  },
  printCsv: (_field, value) => (typeof value === 'string' ? value : ''),
  erase: (field, value, recordId) => (value === null || !field.required ? null : `https://erased.invalid/${recordId}`),
  operators: ['eq', 'neq', 'in', 'not_in', 'contains', 'starts_with', 'is_null'],
  filterKind: 'text',
  filterValueSchema: () => ({ type: 'string' }),
} satisfies FieldType;
