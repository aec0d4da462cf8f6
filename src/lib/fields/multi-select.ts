import type { JsonObject } from '../model/types.ts';
import type { FieldType } from './field-type.ts';
import { printList, splitListText, textArrayFromRow } from './list-text.ts';
import { hasXType, pickKeywords, quote, readObject, readStringArray } from './schema-keywords.ts';
import { allowedValuesText, fieldOptions, matchOption, readOptions } from './select-options.ts';
import { singleColumn } from './single-column.ts';

const EMPTY: JsonObject = {};

function itemsOf(schema: JsonObject): JsonObject {
  return readObject(schema, 'items') ?? EMPTY;
}

/**
 * `{ type: 'array', items: { type: 'string', enum: [...] } }`, optional `uniqueItems`, `minItems`,
 * `maxItems` and `x-options` (beside `items`, or inside it).
 */
export const multiSelectField = {
  name: 'multi_select',
  expressionType: 'list',
  widget: 'multi-select',
  searchable: false,
  personal: false,
  sortable: false,
  recognise: (schema) => {
    const items = itemsOf(schema);
    return schema.type === 'array' && hasXType(schema, 'multi_select', false) && items.type === 'string' && readStringArray(items, 'enum') !== undefined;
  },
  valueSchema: (schema) => ({
    ...pickKeywords(schema, ['minItems', 'maxItems']),
    type: 'array',
    items: { ...pickKeywords(itemsOf(schema), []), type: 'string', enum: [...new Set(readStringArray(itemsOf(schema), 'enum') ?? [])] },
    // A set of choices: picking one twice means nothing.
    uniqueItems: true,
  }),
  configure: (schema, ctx) => {
    const outer = readObject(schema, 'x-options');
    return {
      options: readOptions({
        values: readStringArray(itemsOf(schema), 'enum') ?? [],
        labels: outer ?? readObject(itemsOf(schema), 'x-options'),
        enumPath: '/items/enum',
        optionsPath: outer ? '/x-options' : '/items/x-options',
        ctx,
      }),
    };
  },
  ...singleColumn('text[]'),
  fromRow: textArrayFromRow,
  parseCsv: (field, text) => {
    const parts = splitListText(text);
    if (parts.length === 0) return { ok: true, value: null };
    const options = fieldOptions(field, itemsOf(field.schema));
    const values = new Set<string>();
    const unknown: string[] = [];
    for (const part of parts) {
      const value = matchOption(options, part);
      if (value === undefined) unknown.push(quote(part));
      else values.add(value);
    }
    if (unknown.length > 0) {
      const what = unknown.length === 1 ? `${unknown[0]} is not one of the allowed values` : `${unknown.join(', ')} are not among the allowed values`;
      return { ok: false, message: `${what} (${allowedValuesText(options)}; separate several with ";")` };
    }
    return { ok: true, value: [...values] };
  },
  printCsv: (_field, value) => printList(value),
  operators: ['contains', 'in', 'is_null'],
  filterKind: 'array',
  filterValueSchema: (field) => ({ type: 'string', enum: fieldOptions(field, itemsOf(field.schema)).map((o) => o.value) }),
} satisfies FieldType;
