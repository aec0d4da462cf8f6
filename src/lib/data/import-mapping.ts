/**
 * The import mapping document (`schemas/import-mapping.schema.json`): authored as JSON, checked
 * against the schema and the entity, normalised into a readonly `ImportMappingModel`. Pure.
 *
 *   const checked = normaliseMapping(JSON.parse(text), { model, entity: 'contact' });
 *   if (!checked.ok) for (const i of checked.issues) console.error(`${i.pointer}: ${i.message}`);
 */
import type { ValidateFunction } from 'ajv';
import mappingSchema from '../../../schemas/import-mapping.schema.json' with { type: 'json' };
import { createPackAjv, describeAjvError } from '../model/ajv.ts';
import { FIELD_TYPES } from '../fields/registry.ts';
import type { EntityModel, FieldModel, JsonValue, LocalizedText, Model } from '../model/types.ts';
import { checkFieldValue } from '../records/validate-record.ts';
import { normaliseSearchText } from '../locale/search-text.ts';
import { isDelimiter, type Delimiter } from './csv-shape.ts';
import { tryCompileDateFormats } from './date-formats.ts';
import { foldHeader } from './suggest-mapping.ts';
import { isTextEncodingName, type TextEncodingName } from './file-sniff.ts';

export const DUPLICATE_POLICIES = ['skip', 'update', 'merge'] as const;
export type DuplicatePolicy = (typeof DUPLICATE_POLICIES)[number];
export const IMPORT_MODES = ['all-or-nothing', 'valid-rows'] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];

export const IMPORT_LIMITS = { maxColumns: 1000 } as const;

/** The document as a person writes it (what the schema allows). */
export interface ImportMappingDefinition {
  readonly $schema?: string;
  readonly name?: string;
  readonly title?: string | LocalizedText;
  readonly description?: string | LocalizedText;
  readonly entity: string;
  readonly columns: Readonly<Record<string, string | null>>;
  readonly relations?: Readonly<Record<string, string | { readonly on: string; readonly create?: boolean }>>;
  readonly dedupeOn?: readonly string[];
  readonly onDuplicate?: DuplicatePolicy;
  readonly mode?: ImportMode;
  readonly dateFormats?: readonly string[];
  readonly values?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly defaults?: Readonly<Record<string, JsonValue>>;
  readonly sheet?: string;
  readonly delimiter?: Delimiter;
  readonly encoding?: TextEncodingName;
}

/** How a relation cell finds its record: by the target's field `on`; `create` makes a missing one. */
export interface RelationKeyModel {
  readonly target: string;
  readonly on: string;
  readonly create: boolean;
}

export interface ImportMappingModel {
  readonly entity: string;
  readonly name: string | null;
  /** Source column → field (null: ignored on purpose). */
  readonly columns: ReadonlyMap<string, string | null>;
  /** Every mapped relation field, with its key (the target's title field when not declared). */
  readonly relations: ReadonlyMap<string, RelationKeyModel>;
  readonly dedupeOn: readonly string[];
  readonly onDuplicate: DuplicatePolicy;
  readonly mode: ImportMode;
  readonly dateFormats: readonly string[];
  /** Field → folded source text → replacement text. */
  readonly values: ReadonlyMap<string, ReadonlyMap<string, string>>;
  readonly defaults: ReadonlyMap<string, JsonValue>;
  readonly sheet: string | null;
  readonly delimiter: Delimiter | null;
  readonly encoding: TextEncodingName | null;
}

export interface MappingIssue {
  /** JSON pointer into the mapping document ('' for the whole document). */
  readonly pointer: string;
  readonly message: string;
}

export type MappingResult = { readonly ok: true; readonly mapping: ImportMappingModel } | { readonly ok: false; readonly issues: readonly MappingIssue[] };

let validator: ValidateFunction | null = null;
function schemaValidator(): ValidateFunction {
  validator ??= createPackAjv().compile(mappingSchema);
  return validator;
}

function pointer(...parts: readonly string[]): string {
  return parts.map((p) => `/${p.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** Field types whose single column a natural key can be matched on (as text). */
export function isKeyField(field: FieldModel): boolean {
  const columns = FIELD_TYPES[field.type].columns(field);
  return columns.length === 1 && ['text', 'bigint', 'numeric'].includes(columns[0]?.sqlType ?? '') && field.relation === null;
}

/** A field an import may write: it exists and the platform does not compute it. */
function writableField(entity: EntityModel, name: string): FieldModel | undefined {
  const field = entity.fields.find((f) => f.name === name);
  return field && !field.readOnly ? field : undefined;
}

function own<T>(record: Readonly<Record<string, T>> | undefined): [string, T][] {
  return record ? Object.keys(record).map((k) => [k, record[k] as T]) : [];
}

/**
 * Checks a mapping document against the schema and the model. `entity`, when given, must be the
 * document's entity (the command line and the import page name it).
 */
export function normaliseMapping(doc: unknown, context: { readonly model: Model; readonly entity?: string }): MappingResult {
  const validate = schemaValidator();
  if (!validate(doc)) {
    return { ok: false, issues: (validate.errors ?? []).map((e) => ({ pointer: e.instancePath, message: describeAjvError(e) })) };
  }
  const def = doc as ImportMappingDefinition;
  const issues: MappingIssue[] = [];
  const report = (p: string, message: string) => issues.push({ pointer: p, message });
  if (context.entity !== undefined && def.entity !== context.entity) report('/entity', `the mapping is for ${def.entity}, not ${context.entity}`);
  const entity = context.model.entities.find((e) => e.name === def.entity);
  if (!entity) return { ok: false, issues: [...issues, { pointer: '/entity', message: `there is no entity "${def.entity}"` }] };

  const columns = new Map<string, string | null>();
  const mappedBy = new Map<string, string>();
  for (const [column, field] of own(def.columns)) {
    columns.set(column, field);
    if (field === null) continue;
    const at = pointer('columns', column);
    const known = entity.fields.find((f) => f.name === field);
    if (!known) report(at, `"${field}" is not a field of ${entity.name}`);
    else if (known.readOnly) report(at, `${field} is computed by the platform and cannot be imported`);
    const earlier = mappedBy.get(field);
    if (earlier !== undefined) report(at, `columns "${earlier}" and "${column}" both map to ${field}; map one of them to null`);
    mappedBy.set(field, column);
  }

  const relations = new Map<string, RelationKeyModel>();
  for (const [name, spec] of own(def.relations)) {
    const at = pointer('relations', name);
    const field = entity.fields.find((f) => f.name === name);
    if (!field?.relation) {
      report(at, `${name} is not a relation field of ${entity.name}`);
      continue;
    }
    const target = context.model.entities.find((e) => e.name === field.relation?.entity);
    const on = typeof spec === 'string' ? spec : spec.on;
    const keyField = target?.fields.find((f) => f.name === on);
    if (!target || !keyField) {
      report(typeof spec === 'string' ? at : `${at}/on`, `"${on}" is not a field of ${field.relation.entity}`);
      continue;
    }
    if (!isKeyField(keyField)) report(typeof spec === 'string' ? at : `${at}/on`, `${target.name}.${on} is a ${keyField.type} field; records can be found by a text or number field`);
    const create = typeof spec === 'object' && spec.create === true;
    if (create && keyField.readOnly) report(`${at}/create`, `${target.name}.${on} is computed, so a missing ${target.name} cannot be created with it`);
    relations.set(name, { target: target.name, on, create });
  }
  // Mapped (or defaulted) relation fields without a declared key: by id, or by the target's title field.
  for (const field of new Set([...mappedBy.keys(), ...Object.keys(def.defaults ?? {})])) {
    const model = entity.fields.find((f) => f.name === field);
    if (!model?.relation || relations.has(field)) continue;
    const target = context.model.entities.find((e) => e.name === model.relation?.entity);
    const title = target?.titleField ? target.fields.find((f) => f.name === target.titleField) : undefined;
    if (target && title && isKeyField(title)) relations.set(field, { target: target.name, on: title.name, create: false });
  }

  const dedupeOn = def.dedupeOn ?? [];
  dedupeOn.forEach((name, i) => {
    const field = entity.fields.find((f) => f.name === name);
    if (!field) report(`/dedupeOn/${i}`, `"${name}" is not a field of ${entity.name}`);
    else if (FIELD_TYPES[field.type].columns(field).length !== 1) report(`/dedupeOn/${i}`, `${name} is a ${field.type} field; duplicates are matched on fields of one column`);
    else if (!mappedBy.has(name) && !(def.defaults && Object.hasOwn(def.defaults, name))) report(`/dedupeOn/${i}`, `${name} is not mapped to any column, so no row could ever match on it`);
  });

  const formats = tryCompileDateFormats(def.dateFormats ?? []);
  if (!formats.ok) report('/dateFormats', formats.message);

  const values = new Map<string, Map<string, string>>();
  for (const [name, table] of own(def.values)) {
    if (!entity.fields.some((f) => f.name === name)) {
      report(pointer('values', name), `"${name}" is not a field of ${entity.name}`);
      continue;
    }
    const folded = new Map<string, string>();
    for (const [from, to] of own(table)) folded.set(normaliseSearchText(from), to);
    values.set(name, folded);
  }

  const defaults = new Map<string, JsonValue>();
  for (const [name, value] of own(def.defaults)) {
    const at = pointer('defaults', name);
    const field = writableField(entity, name);
    if (!field) {
      report(at, entity.fields.some((f) => f.name === name) ? `${name} is computed by the platform and has no default to import` : `"${name}" is not a field of ${entity.name}`);
      continue;
    }
    // A relation's default is a key (or an id), found like the cells of its column.
    const problem = field.relation ? (typeof value === 'string' && value.trim() !== '' ? null : 'must be the key (e.g. the name) or the id of a record') : checkFieldValue(field, value);
    if (problem) report(at, `${name} ${problem}`);
    defaults.set(name, value);
  }

  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    mapping: {
      entity: entity.name,
      name: def.name ?? null,
      columns,
      relations,
      dedupeOn,
      onDuplicate: def.onDuplicate ?? 'skip',
      mode: def.mode ?? 'all-or-nothing',
      dateFormats: def.dateFormats ?? [],
      values,
      defaults,
      sheet: def.sheet ?? null,
      delimiter: isDelimiter(def.delimiter) ? def.delimiter : null,
      encoding: isTextEncodingName(def.encoding) ? def.encoding : null,
    },
  };
}

/**
 * The file's columns the mapping names, header → field (null: ignored). A mapping column matches
 * the header with the same text, or else one that folds to the same text ("E-mail" and "e mail",
 * Persian ی and Arabic ي), so a template survives a file saved by another program.
 */
export function resolveColumns(mapping: ImportMappingModel, headers: readonly string[]): Map<string, string | null> {
  const resolved = new Map<string, string | null>();
  const exact = new Set(headers);
  const folded = new Map<string, string[]>();
  for (const h of headers) folded.set(foldHeader(h), [...(folded.get(foldHeader(h)) ?? []), h]);
  for (const [column, field] of mapping.columns) {
    const header = exact.has(column) ? column : (folded.get(foldHeader(column)) ?? []).find((h) => !resolved.has(h) && !mapping.columns.has(h));
    if (header !== undefined && !resolved.has(header)) resolved.set(header, field);
  }
  return resolved;
}

/** Problems of a mapping with a file's header: mapped columns the file lacks. */
export function checkHeaders(mapping: ImportMappingModel, headers: readonly string[]): MappingIssue[] {
  const resolved = resolveColumns(mapping, headers);
  const found = new Set([...resolved.values()]);
  const issues: MappingIssue[] = [];
  for (const [column, field] of mapping.columns) {
    if (field !== null && !found.has(field)) issues.push({ pointer: pointer('columns', column), message: `the file has no column "${column}" (its columns: ${headers.slice(0, 30).join(', ')}${headers.length > 30 ? ', …' : ''})` });
  }
  return issues;
}

/** Columns of the file the mapping neither maps nor ignores on purpose. */
export function unmappedHeaders(mapping: ImportMappingModel, headers: readonly string[]): string[] {
  const resolved = resolveColumns(mapping, headers);
  return headers.filter((h) => !resolved.has(h));
}
