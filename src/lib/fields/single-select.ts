import type { FieldType } from './field-type.ts';
import { hasXType, pickKeywords, quote, readObject, readStringArray } from './schema-keywords.ts';
import { allowedValuesText, fieldOptions, matchOption, readOptions } from './select-options.ts';
import { singleColumn, textFromRow } from './single-column.ts';

/** `{ type: 'string', enum: [...] }`, optional `x-options: { <value>: { en, fa, ar } }` labels. */
export const singleSelectField = {
  name: 'single_select',
  expressionType: 'text',
  widget: 'select',
  searchable: false,
  personal: false,
  sortable: true,
  recognise: (schema) =>
    schema.type === 'string' && hasXType(schema, 'single_select', false) && schema.format === undefined && readStringArray(schema, 'enum') !== undefined,
  valueSchema: (schema) => ({ ...pickKeywords(schema, []), type: 'string', enum: [...new Set(readStringArray(schema, 'enum') ?? [])] }),
  configure: (schema, ctx) => ({
    options: readOptions({ values: readStringArray(schema, 'enum') ?? [], labels: readObject(schema, 'x-options'), enumPath: '/enum', optionsPath: '/x-options', ctx }),
  }),
  ...singleColumn('text'),
  fromRow: textFromRow,
  parseCsv: (field, text) => {
    const shown = text.trim();
    if (shown === '') return { ok: true, value: null };
    const options = fieldOptions(field, field.schema);
    const value = matchOption(options, shown);
    return value === undefined
      ? { ok: false, message: `${quote(shown)} is not one of the allowed values (${allowedValuesText(options)})` }
      : { ok: true, value };
  },
  printCsv: (_field, value) => (typeof value === 'string' ? value : ''),
  operators: ['eq', 'neq', 'in', 'not_in', 'is_null'],
  filterKind: 'scalar',
  filterValueSchema: (field) => ({ type: 'string', enum: fieldOptions(field, field.schema).map((o) => o.value) }),
} satisfies FieldType;
