import type { JsonObject } from '../model/types.ts';
import type { FieldType } from './field-type.ts';
import { printList, splitListText, textArrayFromRow } from './list-text.ts';
import { hasXType, pickKeywords, readObject } from './schema-keywords.ts';
import { singleColumn } from './single-column.ts';

const EMPTY: JsonObject = {};

function itemsOf(schema: JsonObject): JsonObject {
  return readObject(schema, 'items') ?? EMPTY;
}

/** `{ type: 'array', items: { type: 'string' } }`: free-form labels, no enum. */
export const tagsField = {
  name: 'tags',
  expressionType: 'list',
  widget: 'tags',
  searchable: false,
  personal: true,
  sortable: false,
  recognise: (schema) => {
    const items = itemsOf(schema);
    return schema.type === 'array' && hasXType(schema, 'tags', false) && items.type === 'string' && items.enum === undefined && items.format === undefined;
  },
  valueSchema: (schema) => ({
    ...pickKeywords(schema, ['uniqueItems', 'minItems', 'maxItems']),
    type: 'array',
    items: { ...pickKeywords(itemsOf(schema), ['minLength', 'maxLength', 'pattern']), type: 'string' },
  }),
  configure: () => ({}),
  ...singleColumn('text[]'),
  fromRow: textArrayFromRow,
  parseCsv: (_field, text) => {
    const tags = [...new Set(splitListText(text))];
    return { ok: true, value: tags.length === 0 ? null : tags };
  },
  printCsv: (_field, value) => printList(value),
  erase: (field, value) => (value === null || !field.required ? null : ['[erased]']),
  operators: ['contains', 'in', 'is_null'],
  filterKind: 'array',
  filterValueSchema: () => ({ type: 'string' }),
} satisfies FieldType;
