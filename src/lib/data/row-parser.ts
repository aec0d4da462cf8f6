/**
 * One source row (cells as text) → field values, through each field's `parseCsv` (Persian and
 * Arabic digits, money with currency, options by value or label, …) plus the mapping's value
 * table, date formats and defaults. Relation cells come out as keys for the server to resolve in
 * batches. Pure: the same code checks a sample in the browser and a million rows on the server.
 *
 *   const parse = compileRowParser({ model, mapping, headers: ['Name', 'Email'] });
 *   parse(['Sara', 'SARA@X.IR'], 2)
 *   // { ok: true, row: 2, values: { full_name: 'Sara', email: 'SARA@x.ir' }, refs: [] }
 */
import { FIELD_TYPES } from '../fields/registry.ts';
import type { EntityModel, FieldModel, JsonValue, Model } from '../model/types.ts';
import { normaliseSearchText } from '../locale/search-text.ts';
import { compileDateFormats, parseLocalDate, parseLocalDateTime, type DateFormat } from './date-formats.ts';
import { resolveColumns, type ImportMappingModel, type RelationKeyModel } from './import-mapping.ts';
import { restoreCell } from './neutralise.ts';

/** A problem with one row, and the column and field it concerns when there is one. */
export interface ImportIssue {
  /** The row's number as a spreadsheet shows it: the header is row 1. */
  readonly row: number;
  readonly column: string | null;
  readonly field: string | null;
  /** The cell as it was in the file (cut to 200 characters). */
  readonly value: string | null;
  readonly message: string;
}

/** A relation cell to resolve: by record id, or by the target's key field. */
export interface RelationRef {
  readonly field: string;
  readonly column: string;
  readonly cell: string;
  readonly key: RelationKeyModel;
  /** The id when the cell is one (lower case). */
  readonly id: string | null;
  /** The key as its field parses it (`value`) and as text (what the lookup compares). */
  readonly value: JsonValue;
  readonly text: string;
  /** From the mapping's `defaults`: its id goes into the record only when one is created. */
  readonly fromDefault: boolean;
}

export type ParsedRow =
  | {
      readonly ok: true;
      readonly row: number;
      /** Values of non-empty cells. */
      readonly values: Record<string, JsonValue>;
      /** Defaults for fields with no value in the row (used when creating, not when updating). */
      readonly defaults: Record<string, JsonValue>;
      readonly refs: readonly RelationRef[];
    }
  | { readonly ok: false; readonly row: number; readonly issues: readonly ImportIssue[] };

export type RowParser = (cells: readonly string[], row: number) => ParsedRow;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function cut(text: string): string {
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

interface ColumnPlan {
  readonly index: number;
  readonly column: string;
  readonly field: FieldModel;
  readonly values: ReadonlyMap<string, string> | undefined;
  readonly parse: (text: string) => { ok: true; value: JsonValue } | { ok: false; message: string };
}

/** The field type's parser, then — for dates and instants — the mapping's local formats. */
function cellParser(field: FieldModel, formats: readonly DateFormat[]): ColumnPlan['parse'] {
  const type = FIELD_TYPES[field.type];
  const local = type.expressionType === 'date' ? parseLocalDate : type.expressionType === 'datetime' ? parseLocalDateTime : null;
  if (!local || formats.length === 0) return (text) => type.parseCsv(field, text);
  const tried = formats.map((f) => f.source).join(', ');
  return (text) => {
    const parsed = type.parseCsv(field, text);
    if (parsed.ok) return parsed;
    const value = local(text, formats);
    return value === null ? { ok: false, message: `${JSON.stringify(text.trim())} is not a valid date in any of the formats ${tried} (nor ISO 8601)` } : { ok: true, value };
  };
}

export function compileRowParser(input: { readonly model: Model; readonly mapping: ImportMappingModel; readonly headers: readonly string[] }): RowParser {
  const { model, mapping, headers } = input;
  const entity = model.entities.find((e) => e.name === mapping.entity) as EntityModel;
  const formats = compileDateFormats(mapping.dateFormats);
  const plans: ColumnPlan[] = [];
  const resolved = resolveColumns(mapping, headers);
  headers.forEach((column, index) => {
    const name = resolved.get(column);
    const field = name ? entity.fields.find((f) => f.name === name) : undefined;
    if (!field) return;
    plans.push({ index, column, field, values: mapping.values.get(field.name), parse: cellParser(field, formats) });
  });
  const expected = headers.length;

  /** A cell (or a default) of a relation field → the ref to resolve, or why it cannot be one. */
  const relationRef = (field: FieldModel, text: string, column: string, raw: string, fromDefault: boolean): RelationRef | string => {
    const key = mapping.relations.get(field.name);
    const target = key ? model.entities.find((e) => e.name === key.target) : undefined;
    const keyField = key && target ? target.fields.find((f) => f.name === key.on) : undefined;
    const entity = field.relation?.entity ?? '';
    if (UUID.test(text)) {
      const id = text.toLowerCase();
      return { field: field.name, column, cell: raw, key: key ?? { target: entity, on: 'id', create: false }, id, value: id, text: id, fromDefault };
    }
    if (!key || !keyField) return `${JSON.stringify(text)} is not a record id, and ${entity} has no title field to find it by; name a key field in "relations"`;
    const parsed = FIELD_TYPES[keyField.type].parseCsv(keyField, text);
    if (!parsed.ok) return `no ${key.target} can have ${key.on} ${JSON.stringify(text)}: ${parsed.message}`;
    if (parsed.value === null) return `${JSON.stringify(text)} is empty`;
    return { field: field.name, column, cell: raw, key, id: null, value: parsed.value, text: String(parsed.value), fromDefault };
  };
  // Defaults of relation fields are keys (or ids) like the cells, resolved the same way.
  const defaultRefs: RelationRef[] = [];
  const plainDefaults: [string, JsonValue][] = [];
  for (const [name, value] of mapping.defaults) {
    const field = entity.fields.find((f) => f.name === name);
    if (field?.relation && typeof value === 'string') {
      const ref = relationRef(field, value, '', value, true);
      if (typeof ref === 'string') throw new Error(`the default of ${name}: ${ref}`);
      defaultRefs.push(ref);
    } else plainDefaults.push([name, value]);
  }

  return (cells, row) => {
    const issues: ImportIssue[] = [];
    if (cells.length !== expected) {
      issues.push({
        row,
        column: null,
        field: null,
        value: null,
        message: `the row has ${cells.length} cell${cells.length === 1 ? '' : 's'} but the header has ${expected} columns (a missing or extra delimiter, or an unclosed quote in an earlier row?)`,
      });
      return { ok: false, row, issues };
    }
    const values: Record<string, JsonValue> = Object.create(null) as Record<string, JsonValue>;
    const refs: RelationRef[] = [];
    for (const plan of plans) {
      const raw = cells[plan.index] ?? '';
      let text = restoreCell(raw).trim();
      if (plan.values && text !== '') text = plan.values.get(normaliseSearchText(text)) ?? text;
      if (text === '') continue;
      const problem = (message: string) => issues.push({ row, column: plan.column, field: plan.field.name, value: cut(raw), message });
      if (plan.field.relation) {
        const ref = relationRef(plan.field, text, plan.column, raw, false);
        if (typeof ref === 'string') problem(ref);
        else refs.push(ref);
        continue;
      }
      const parsed = plan.parse(text);
      if (!parsed.ok) problem(parsed.message);
      else if (parsed.value !== null) values[plan.field.name] = parsed.value;
    }
    if (issues.length > 0) return { ok: false, row, issues };
    const defaults: Record<string, JsonValue> = Object.create(null) as Record<string, JsonValue>;
    for (const [name, value] of plainDefaults) {
      if (!(name in values)) defaults[name] = value;
    }
    for (const ref of defaultRefs) if (!refs.some((r) => r.field === ref.field)) refs.push(ref);
    return { ok: true, row, values, defaults, refs };
  };
}
