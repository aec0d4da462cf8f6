import type { JsonObject, OnDeletePolicy } from '../model/types.ts';
import type { FieldType } from './field-type.ts';
import { hasXType, pickKeywords, quote, readString } from './schema-keywords.ts';
import { singleColumn, textFromRow } from './single-column.ts';

const ON_DELETE: readonly OnDeletePolicy[] = ['set-null', 'cascade', 'restrict'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isOnDeletePolicy(value: unknown): value is OnDeletePolicy {
  return (ON_DELETE as readonly unknown[]).includes(value);
}

function onDelete(schema: JsonObject): OnDeletePolicy {
  const policy = schema['x-on-delete'];
  return isOnDeletePolicy(policy) ? policy : 'set-null';
}

/**
 * `{ type: 'string', format: 'uuid', 'x-ref': '<entity>', 'x-on-delete': 'set-null' | 'cascade' | 'restrict' }`:
 * the id of a record of another entity. Whether that entity exists is checked where the whole
 * model is known, not here.
 */
export const relationField = {
  name: 'relation',
  expressionType: 'text',
  widget: 'relation',
  searchable: false,
  personal: false,
  // Ids order nothing a person cares about; sorting by the related title is a query concern.
  sortable: false,
  recognise: (schema) => schema.type === 'string' && hasXType(schema, 'relation', false) && schema.format === 'uuid' && typeof schema['x-ref'] === 'string',
  valueSchema: (schema) => ({ ...pickKeywords(schema, []), type: 'string', format: 'uuid' }),
  configure: (schema, ctx) => {
    const entity = readString(schema, 'x-ref')?.trim() ?? '';
    if (entity === '') ctx.report('/x-ref', 'x-ref must name the entity this field points to');
    const policy = schema['x-on-delete'];
    if (policy !== undefined && !isOnDeletePolicy(policy)) {
      ctx.report('/x-on-delete', `x-on-delete must be one of ${ON_DELETE.map((p) => `"${p}"`).join(', ')} (got ${JSON.stringify(policy)})`);
    }
    return { relation: entity === '' ? null : { entity, onDelete: onDelete(schema) } };
  },
  ...singleColumn('uuid'),
  fromRow: textFromRow,
  parseCsv: (_field, text) => {
    const shown = text.trim();
    if (shown === '') return { ok: true, value: null };
    return UUID.test(shown)
      ? { ok: true, value: shown.toLowerCase() }
      : { ok: false, message: `${quote(shown)} is not a record id (expected a UUID such as 0b6f6c2e-8a3d-4a8e-9d2f-3c1e5b7a9f10)` };
  },
  printCsv: (_field, value) => (typeof value === 'string' ? value : ''),
  operators: ['eq', 'neq', 'in', 'not_in', 'is_null'],
  filterKind: 'scalar',
  filterValueSchema: () => ({ type: 'string', format: 'uuid' }),
} satisfies FieldType;
