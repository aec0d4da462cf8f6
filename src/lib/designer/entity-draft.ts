/**
 * The designer's form-friendly draft of an entity, and the two conversions between it and the
 * entity document (the JSON Schema a pack would hold). Pure and browser-safe.
 *
 *   const draft = draftFromDocument(entity.schema);       // every keyword kept
 *   draft.fields[0]!.name = 'full_name';                    // a rename …
 *   const result = documentFromDraft(draft);               // … writes x-renamed-from: ["name"]
 *   if (!result.ok) for (const i of result.issues) show(i.pointer, i.code, i.params);
 *
 * Keywords the form does not edit (minLength, pattern, x-scale, x-indexes, x-sections …) ride
 * along in `extra`, so a document → draft → document round trip gives the same document.
 */
import { FIELD_TYPES, resolveFieldType } from '../fields/registry.ts';
import { parseAutoNumberFormat } from '../fields/auto-number.ts';
import { FUNCTION_NAMES, SYSTEM_FIELD_TYPES } from '../expressions/index.ts';
import type { FieldTypeName } from '../fields/names.ts';
import { LOCALES } from '../i18n/locales.ts';
import { ENTITY_NAME_MAX, FIELD_NAME_MAX, identifierProblem, RESERVED_WORDS, SYSTEM_COLUMNS } from '../model/identifiers.ts';
import type { FieldModel, JsonObject, JsonValue, OnDeletePolicy } from '../model/types.ts';
import { FIELD_KINDS } from './field-kinds.ts';

/** Labels by locale: `en`, `fa` and `ar` always present ('' = not given); other locales kept. */
export type DraftLabels = Record<string, string>;

export interface OptionDraft {
  value: string;
  labels: DraftLabels;
}

export type FieldWidth = '' | 'full' | 'half' | 'third';
export type DraftOnDelete = '' | OnDeletePolicy;

export interface FieldDraft {
  /** Identifies the field within the draft (form names, list keys); never written out. */
  key: string;
  /** The field's name in the stored document; null for a field added in this draft. */
  originalName: string | null;
  name: string;
  type: FieldTypeName;
  labels: DraftLabels;
  help: DraftLabels;
  required: boolean;
  unique: boolean;
  indexed: boolean;
  /** The default as typed, the way a CSV cell of the type is written ('' = none). */
  defaultValue: string;
  maxLength: number | null;
  options: OptionDraft[];
  relationTarget: string;
  /** '' = not written (the platform's default, set-null). */
  onDelete: DraftOnDelete;
  autoNumberFormat: string;
  currencies: string[];
  defaultCurrency: string;
  section: string;
  width: FieldWidth;
  order: number | null;
  renamedFrom: string[];
  /** Keywords the form does not edit, as written. */
  extra: Record<string, JsonValue>;
}

export interface EntityDraft {
  /** The entity's name in the stored model; null for a new entity. */
  originalName: string | null;
  name: string;
  labels: DraftLabels;
  pluralLabels: DraftLabels;
  /** The key of the field that names a record ('' = the platform's choice). */
  titleField: string;
  renamedFrom: string[];
  fields: FieldDraft[];
  /** Entity keywords the form does not edit ($schema, x-indexes, x-default-sort, x-sections …). */
  extra: Record<string, JsonValue>;
}

export const DRAFT_ISSUE_CODES = [
  'name.empty',
  'name.format',
  'name.tooLong',
  'name.reserved',
  'name.system',
  'name.duplicate',
  'option.missing',
  'option.value',
  'option.duplicate',
  'relation.target',
  'autoNumber.format',
  'currency.code',
  'currency.default',
  'default.invalid',
  'maxLength.range',
  'order.range',
] as const;
export type DraftIssueCode = (typeof DRAFT_ISSUE_CODES)[number];

export interface DraftIssue {
  /** JSON pointer into the document the draft becomes. */
  readonly pointer: string;
  /** The field the issue is about, when it is about one. */
  readonly fieldKey: string | null;
  readonly code: DraftIssueCode;
  /** Values for the translated message (`{name}`, `{max}` …). */
  readonly params: Readonly<Record<string, string | number>>;
  /** The problem in English, for logs and API callers. */
  readonly message: string;
}

export type DocumentResult = { readonly ok: true; readonly document: JsonObject } | { readonly ok: false; readonly issues: readonly DraftIssue[] };

/** Keywords that mean the same whatever the type: kept when a field's type changes. */
const TYPE_INDEPENDENT_EXTRA = ['description', 'x-descriptions', 'readOnly', 'x-hidden-in-list'];
const CURRENCY = /^[A-Z]{3}$/;
const MAX_LENGTH_LIMIT = 1_000_000;
const ORDER_LIMIT = 10_000;
const OPTION_VALUE_MAX = 200;

// ---------------------------------------------------------------------------------------------
// labels

export function emptyLabels(): DraftLabels {
  return Object.fromEntries(LOCALES.map((l) => [l, '']));
}

function labelsFrom(...sources: (JsonValue | undefined)[]): DraftLabels {
  const out = emptyLabels();
  for (const source of sources) {
    if (!isObject(source)) continue;
    for (const [locale, text] of Object.entries(source)) if (typeof text === 'string') out[locale] = text;
  }
  return out;
}

/** The non-empty labels, `en` left out when `withEn` is false; null when none is left. */
function labelsObject(labels: DraftLabels, withEn: boolean): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const [locale, text] of Object.entries(labels)) {
    if ((withEn || locale !== 'en') && text.trim() !== '') out[locale] = text;
  }
  return Object.keys(out).length > 0 ? out : null;
}

// ---------------------------------------------------------------------------------------------
// document → draft

/** The draft of an entity document (one from the stored model, or a pack file). */
export function draftFromDocument(doc: JsonObject): EntityDraft {
  const properties = isObject(doc.properties) ? doc.properties : {};
  const required = new Set(strings(doc.required));
  const fields = Object.entries(properties).map(([name, schema], index) => fieldDraftFrom(name, isObject(schema) ? schema : {}, required.has(name), `f${index + 1}`));
  const titleName = typeof doc['x-title-field'] === 'string' ? doc['x-title-field'] : '';
  const extra: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(doc)) {
    if (!ENTITY_MANAGED.has(key)) extra[key] = value;
  }
  return {
    originalName: typeof doc.$id === 'string' ? doc.$id : null,
    name: typeof doc.$id === 'string' ? doc.$id : '',
    labels: { ...labelsFrom(doc['x-labels']), ...(typeof doc.title === 'string' ? { en: doc.title } : {}) },
    pluralLabels: labelsFrom(doc['x-plural-labels']),
    titleField: fields.find((f) => f.name === titleName)?.key ?? '',
    renamedFrom: strings(doc['x-renamed-from']),
    fields,
    extra,
  };
}

const ENTITY_MANAGED = new Set(['$id', 'title', 'x-labels', 'x-plural-labels', 'x-title-field', 'x-renamed-from', 'type', 'properties', 'required']);

const FIELD_MANAGED = ['type', 'format', 'x-type', 'title', 'x-labels', 'x-help', 'x-unique', 'x-index', 'x-section', 'x-width', 'x-order', 'x-renamed-from'];

/** The keywords a field draft of `type` edits (and so leaves out of `extra`). */
function managedKeys(type: FieldTypeName): Set<string> {
  const kind = FIELD_KINDS[type];
  const keys = new Set(FIELD_MANAGED);
  if (kind.hasDefault) keys.add('default');
  if (kind.maxLength) keys.add('maxLength');
  if (kind.options) keys.add('x-options');
  if (kind.options === 'enum') keys.add('enum');
  if (kind.items) keys.add('items');
  if (kind.relation) ['x-ref', 'x-on-delete'].forEach((k) => keys.add(k));
  if (kind.autoNumber) keys.add('x-format');
  if (kind.money) ['x-currencies', 'x-default-currency'].forEach((k) => keys.add(k));
  return keys;
}

function fieldDraftFrom(name: string, schema: JsonObject, required: boolean, key: string): FieldDraft {
  const resolved = resolveFieldType(schema);
  // A stored document is valid, so this only falls back for hand-made input.
  const type: FieldTypeName = typeof resolved === 'string' ? resolved : 'text';
  const kind = FIELD_KINDS[type];
  const managed = managedKeys(type);
  const extra: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(schema)) if (!managed.has(k)) extra[k] = v;

  const items = isObject(schema.items) ? schema.items : {};
  if (kind.items) {
    // `items` keywords other than the shape (maxLength of a tag …) are kept.
    const rest = Object.fromEntries(Object.entries(items).filter(([k]) => !['type', 'enum', 'x-options'].includes(k)));
    if (Object.keys(rest).length > 0) extra.items = rest;
  }
  const optionValues = kind.options === 'enum' ? strings(schema.enum) : kind.options === 'items' ? strings(items.enum) : [];
  const optionLabels = isObject(schema['x-options']) ? schema['x-options'] : isObject(items['x-options']) ? items['x-options'] : {};

  return {
    key,
    originalName: name,
    name,
    type,
    labels: { ...labelsFrom(schema['x-labels']), ...(typeof schema.title === 'string' ? { en: schema.title } : {}) },
    help: labelsFrom(schema['x-help']),
    required,
    unique: schema['x-unique'] === true,
    indexed: schema['x-index'] === true,
    defaultValue: kind.hasDefault && schema.default !== undefined ? printDefault(name, type, schema, schema.default) : '',
    maxLength: kind.maxLength && typeof schema.maxLength === 'number' ? schema.maxLength : null,
    options: optionValues.map((value) => ({ value, labels: labelsFrom(optionLabels[value]) })),
    relationTarget: kind.relation && typeof schema['x-ref'] === 'string' ? schema['x-ref'] : '',
    onDelete: kind.relation && isOnDelete(schema['x-on-delete']) ? schema['x-on-delete'] : '',
    autoNumberFormat: kind.autoNumber && typeof schema['x-format'] === 'string' ? schema['x-format'] : '',
    currencies: kind.money ? strings(schema['x-currencies']) : [],
    defaultCurrency: kind.money && typeof schema['x-default-currency'] === 'string' ? schema['x-default-currency'] : '',
    section: typeof schema['x-section'] === 'string' ? schema['x-section'] : '',
    width: schema['x-width'] === 'full' || schema['x-width'] === 'half' || schema['x-width'] === 'third' ? schema['x-width'] : '',
    order: typeof schema['x-order'] === 'number' ? schema['x-order'] : null,
    renamedFrom: strings(schema['x-renamed-from']),
    extra,
  };
}

// ---------------------------------------------------------------------------------------------
// draft → document

/** The entity document a draft describes, or what is wrong with the draft. */
export function documentFromDraft(draft: EntityDraft): DocumentResult {
  const issues = validateDraft(draft);
  const properties: Record<string, JsonValue> = {};
  for (const field of draft.fields) {
    const built = fieldDocument(draft, field);
    if (!built.ok) issues.push(built.issue);
    else properties[field.name] = built.schema;
  }
  if (issues.length > 0) return { ok: false, issues };

  const renames = new Map(draft.fields.filter((f) => f.originalName !== null).map((f) => [f.originalName ?? '', f.name]));
  const extra = rewriteFieldReferences(Object.fromEntries(Object.entries(draft.extra).filter(([k]) => !ENTITY_MANAGED.has(k))), renames);
  const labels = labelsObject(draft.labels, false);
  const plural = labelsObject(draft.pluralLabels, true);
  const title = draft.fields.find((f) => f.key === draft.titleField);
  const renamedFrom = withRename(draft.renamedFrom, draft.originalName, draft.name);
  const required = draft.fields.filter((f) => f.required).map((f) => f.name);

  const { $schema, ...rest } = extra;
  const document: Record<string, JsonValue> = {
    ...($schema !== undefined ? { $schema } : {}),
    $id: draft.name,
    ...(draft.labels.en?.trim() ? { title: draft.labels.en } : {}),
    ...(labels ? { 'x-labels': labels } : {}),
    ...(plural ? { 'x-plural-labels': plural } : {}),
    ...(renamedFrom.length > 0 ? { 'x-renamed-from': renamedFrom } : {}),
    ...(title ? { 'x-title-field': title.name } : {}),
    ...rest,
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
  };
  return { ok: true, document };
}

type FieldResult = { ok: true; schema: Record<string, JsonValue> } | { ok: false; issue: DraftIssue };

function fieldDocument(draft: EntityDraft, field: FieldDraft): FieldResult {
  const kind = FIELD_KINDS[field.type];
  const managed = managedKeys(field.type);
  // What the form edits wins over a stray copy in `extra` (a hand-edited draft).
  const extra = Object.fromEntries(Object.entries(field.extra).filter(([k]) => !managed.has(k) && k !== 'items'));
  const extraItems = field.extra.items;
  const values = field.options.map((o) => o.value);
  const out: Record<string, JsonValue> = { ...kind.base };
  if (kind.options === 'enum') out.enum = values;
  if (kind.items) {
    out.items = { ...(isObject(extraItems) ? extraItems : {}), type: 'string', ...(kind.options === 'items' ? { enum: values } : {}) };
  } else if (extraItems !== undefined) {
    out.items = extraItems;
  }
  if (field.labels.en?.trim()) out.title = field.labels.en;
  const labels = labelsObject(field.labels, false);
  if (labels) out['x-labels'] = labels;
  Object.assign(out, extra);
  if (kind.maxLength && field.maxLength !== null) out.maxLength = field.maxLength;
  if (kind.options) {
    const optionLabels = Object.fromEntries(field.options.flatMap((o) => {
      const l = labelsObject(o.labels, true);
      return l ? [[o.value, l]] : [];
    }));
    if (Object.keys(optionLabels).length > 0) out['x-options'] = optionLabels;
  }
  if (kind.relation) {
    // A link to this entity follows the entity's rename.
    out['x-ref'] = field.relationTarget === draft.originalName ? draft.name : field.relationTarget;
    if (field.onDelete) out['x-on-delete'] = field.onDelete;
  }
  if (kind.autoNumber) out['x-format'] = field.autoNumberFormat;
  if (kind.money) {
    if (field.currencies.length > 0) out['x-currencies'] = [...field.currencies];
    if (field.defaultCurrency) out['x-default-currency'] = field.defaultCurrency;
  }
  if (field.unique) out['x-unique'] = true;
  if (field.indexed) out['x-index'] = true;
  const help = labelsObject(field.help, true);
  if (help) out['x-help'] = help;
  if (field.section) out['x-section'] = field.section;
  if (field.width) out['x-width'] = field.width;
  if (field.order !== null) out['x-order'] = field.order;
  const renamedFrom = withRename(field.renamedFrom, field.originalName, field.name);
  if (renamedFrom.length > 0) out['x-renamed-from'] = renamedFrom;

  if (kind.hasDefault && field.defaultValue.trim() !== '') {
    const parsed = parseDefault(field, out);
    if (!parsed.ok) {
      return { ok: false, issue: issue(`/properties/${field.name}/default`, field.key, 'default.invalid', { field: field.name }, parsed.message) };
    }
    out.default = parsed.value;
  }
  return { ok: true, schema: out };
}

/** Earlier names plus the one a rename in this draft leaves behind; never the current name. */
function withRename(earlier: readonly string[], originalName: string | null, name: string): string[] {
  const all = originalName !== null && originalName !== name && !earlier.includes(originalName) ? [...earlier, originalName] : [...earlier];
  return all.filter((n) => n !== name);
}

/** Entity keywords that name fields follow renames; ones naming a removed field are dropped. */
function rewriteFieldReferences(extra: Readonly<Record<string, JsonValue>>, renames: ReadonlyMap<string, string>): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = { ...extra };
  if (Array.isArray(extra['x-default-sort'])) {
    const sort = extra['x-default-sort'].flatMap((key) => {
      if (!isObject(key) || typeof key.field !== 'string') return [key];
      const name = renames.get(key.field);
      return name === undefined ? [] : [{ ...key, field: name }];
    });
    if (sort.length > 0) out['x-default-sort'] = sort;
    else delete out['x-default-sort'];
  }
  if (Array.isArray(extra['x-indexes'])) {
    const indexes = extra['x-indexes'].flatMap((index) => {
      if (!isObject(index)) return [index];
      const names = strings(index.fields).map((n) => renames.get(n));
      // An index that lost a field is a different index: dropped rather than silently narrowed.
      if (names.some((n) => n === undefined)) return [];
      return [{ ...index, fields: names as string[] }];
    });
    if (indexes.length > 0) out['x-indexes'] = indexes;
    else delete out['x-indexes'];
  }
  if (Array.isArray(extra['x-rules'])) {
    // A rule follows its fields' renames; one that reads a removed field is dropped with it.
    const rules = extra['x-rules'].flatMap((rule) => {
      if (!isObject(rule) || typeof rule.assert !== 'string') return [rule];
      const assert = renameInExpression(rule.assert, renames);
      const fields = strings(rule.fields).map((n) => renames.get(n));
      if (assert === null || fields.some((n) => n === undefined)) return [];
      return [{ ...rule, assert, ...(rule.fields !== undefined ? { fields: fields as string[] } : {}) }];
    });
    if (rules.length > 0) out['x-rules'] = rules;
    else delete out['x-rules'];
  }
  return out;
}

/** Words of the expression language that are not field names. */
const EXPRESSION_WORDS: ReadonlySet<string> = new Set(['and', 'or', 'not', 'in', 'true', 'false', 'null', 'user', ...FUNCTION_NAMES, ...Object.keys(SYSTEM_FIELD_TYPES)]);

/**
 * An expression with its field names renamed (`renames`: old name → new name, for every field that
 * is kept), or null when it names a field that is no longer there. String literals are left alone.
 */
export function renameInExpression(source: string, renames: ReadonlyMap<string, string>): string | null {
  let broken = false;
  const rename = (name: string): string => {
    const to = renames.get(name);
    if (to === undefined) broken = true;
    return to ?? name;
  };
  const out = source.replace(/("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|([A-Za-z_][A-Za-z0-9_]*)(\s*\.\s*)?([A-Za-z_][A-Za-z0-9_]*)?/g, (whole, literal: string | undefined, name: string | undefined, dot: string | undefined, member: string | undefined) => {
    if (literal !== undefined || name === undefined) return whole;
    if (name === 'old' && dot !== undefined && member !== undefined) return `${name}${dot}${rename(member)}`;
    if (EXPRESSION_WORDS.has(name) || /^\d/.test(name)) return whole;
    return `${rename(name)}${dot ?? ''}${member ?? ''}`;
  });
  return broken ? null : out;
}

// ---------------------------------------------------------------------------------------------
// defaults: typed the way the type's CSV cells are, so Persian digits and labels work here too

/** A field model good enough for the type's CSV reader and printer. */
function provisionalField(name: string, type: FieldTypeName, schema: JsonObject): FieldModel {
  return {
    name,
    type,
    label: { en: name },
    description: null,
    required: false,
    unique: false,
    indexed: false,
    readOnly: false,
    defaultValue: undefined,
    renamedFrom: [],
    schema,
    options: [],
    relation: null,
    autoNumber: null,
    layout: { section: null, width: 'full', order: 0, inList: true },
    help: null,
  };
}

function printDefault(name: string, type: FieldTypeName, schema: JsonObject, value: JsonValue): string {
  return FIELD_TYPES[type].printCsv(provisionalField(name, type, schema), value);
}

function parseDefault(field: FieldDraft, schema: JsonObject): { ok: true; value: JsonValue } | { ok: false; message: string } {
  const parsed = FIELD_TYPES[field.type].parseCsv(provisionalField(field.name, field.type, schema), field.defaultValue);
  if (!parsed.ok) return { ok: false, message: `the default value of "${field.name}": ${parsed.message}` };
  if (parsed.value === null) return { ok: false, message: `the default value of "${field.name}" is empty` };
  return { ok: true, value: parsed.value };
}

// ---------------------------------------------------------------------------------------------
// checks

function issue(pointer: string, fieldKey: string | null, code: DraftIssueCode, params: Record<string, string | number>, message: string): DraftIssue {
  return { pointer, fieldKey, code, params, message };
}

/** Why `name` cannot be used, as an issue code the page can translate; null when it can. */
export function nameIssue(name: string, kind: 'entity' | 'field', pointer: string, fieldKey: string | null): DraftIssue | null {
  const problem = identifierProblem(name, kind);
  if (problem === null) return null;
  const max = kind === 'entity' ? ENTITY_NAME_MAX : FIELD_NAME_MAX;
  const code: DraftIssueCode =
    name === ''
      ? 'name.empty'
      : RESERVED_WORDS.has(name)
        ? 'name.reserved'
        : kind === 'field' && (SYSTEM_COLUMNS as readonly string[]).includes(name)
          ? 'name.system'
          : /^[a-z][a-z0-9_]*$/.test(name) && name.length > max
            ? 'name.tooLong'
            : 'name.format';
  return issue(pointer, fieldKey, code, { name, max }, problem);
}

/** Everything wrong with a draft that can be told without the rest of the model. */
export function validateDraft(draft: EntityDraft): DraftIssue[] {
  const issues: DraftIssue[] = [];
  const entityName = nameIssue(draft.name, 'entity', '/$id', null);
  if (entityName) issues.push(entityName);
  const seen = new Set<string>();
  for (const field of draft.fields) {
    const at = `/properties/${pointerToken(field.name)}`;
    const problem = nameIssue(field.name, 'field', at, field.key);
    if (problem) issues.push(problem);
    else if (seen.has(field.name)) issues.push(issue(at, field.key, 'name.duplicate', { name: field.name }, `two fields are named "${field.name}"`));
    seen.add(field.name);
    issues.push(...fieldIssues(field, at));
  }
  return issues;
}

function fieldIssues(field: FieldDraft, at: string): DraftIssue[] {
  const kind = FIELD_KINDS[field.type];
  const out: DraftIssue[] = [];
  const add = (pointer: string, code: DraftIssueCode, params: Record<string, string | number>, message: string) => out.push(issue(at + pointer, field.key, code, { field: field.name, ...params }, message));
  if (kind.options) {
    const path = kind.options === 'enum' ? '/enum' : '/items/enum';
    if (field.options.length === 0) add(path, 'option.missing', {}, `field "${field.name}" needs at least one option`);
    const values = new Set<string>();
    field.options.forEach((option, i) => {
      if (option.value.trim() === '' || option.value.length > OPTION_VALUE_MAX) add(`${path}/${i}`, 'option.value', { max: OPTION_VALUE_MAX }, `an option of "${field.name}" has an empty or too long value (1 to ${OPTION_VALUE_MAX} characters)`);
      else if (values.has(option.value)) add(`${path}/${i}`, 'option.duplicate', { value: option.value }, `field "${field.name}" lists option "${option.value}" twice`);
      values.add(option.value);
    });
  }
  if (kind.relation && identifierProblem(field.relationTarget, 'entity') !== null) {
    add('/x-ref', 'relation.target', {}, `field "${field.name}" must name the entity it links to`);
  }
  if (kind.autoNumber && parseAutoNumberFormat(field.autoNumberFormat) === null) {
    add('/x-format', 'autoNumber.format', { format: field.autoNumberFormat }, `the number format of "${field.name}" must be up to 20 letters, digits or _-/.# followed by 1 to 12 zeros in braces, e.g. INV-{000000}`);
  }
  if (kind.money) {
    const wrong = field.currencies.filter((c) => !CURRENCY.test(c));
    if (wrong.length > 0 || new Set(field.currencies).size !== field.currencies.length) {
      add('/x-currencies', 'currency.code', { codes: wrong.join(', ') }, `the currencies of "${field.name}" must be distinct three-letter codes in capitals, e.g. IRR, USD`);
    }
    if (field.defaultCurrency && (!CURRENCY.test(field.defaultCurrency) || (field.currencies.length > 0 && !field.currencies.includes(field.defaultCurrency)))) {
      add('/x-default-currency', 'currency.default', { code: field.defaultCurrency }, `the default currency of "${field.name}" must be one of its currencies`);
    }
  }
  if (kind.maxLength && field.maxLength !== null && !(Number.isInteger(field.maxLength) && field.maxLength >= 1 && field.maxLength <= MAX_LENGTH_LIMIT)) {
    add('/maxLength', 'maxLength.range', { max: MAX_LENGTH_LIMIT }, `the maximum length of "${field.name}" must be a whole number from 1 to ${MAX_LENGTH_LIMIT}`);
  }
  if (field.order !== null && !(Number.isInteger(field.order) && field.order >= 0 && field.order <= ORDER_LIMIT)) {
    add('/x-order', 'order.range', { max: ORDER_LIMIT }, `the position of "${field.name}" must be a whole number from 0 to ${ORDER_LIMIT}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// editing operations (each returns a new draft)

/** A draft for a new entity. */
export function emptyEntityDraft(): EntityDraft {
  return { originalName: null, name: '', labels: emptyLabels(), pluralLabels: emptyLabels(), titleField: '', renamedFrom: [], fields: [], extra: {} };
}

/** A new field of `type`, with the English label made from its name. */
export function newFieldDraft(draft: EntityDraft, name: string, type: FieldTypeName): FieldDraft {
  const key = `f${Math.max(0, ...draft.fields.map((f) => Number(/^f(\d+)$/.exec(f.key)?.[1] ?? 0))) + 1}`;
  return {
    key,
    originalName: null,
    name,
    type,
    labels: { ...emptyLabels(), en: humanise(name) },
    help: emptyLabels(),
    required: false,
    unique: false,
    indexed: false,
    defaultValue: '',
    maxLength: null,
    options: [],
    relationTarget: '',
    onDelete: '',
    autoNumberFormat: FIELD_KINDS[type].autoNumber ? '{000000}' : '',
    currencies: [],
    defaultCurrency: '',
    section: '',
    width: '',
    order: null,
    renamedFrom: [],
    extra: {},
  };
}

export function addField(draft: EntityDraft, name: string, type: FieldTypeName): EntityDraft {
  return { ...draft, fields: [...draft.fields, newFieldDraft(draft, name, type)] };
}

export function removeField(draft: EntityDraft, key: string): EntityDraft {
  return { ...draft, fields: draft.fields.filter((f) => f.key !== key), titleField: draft.titleField === key ? '' : draft.titleField };
}

/** Moves a field up (-1) or down (+1) in the form and the document. */
export function moveField(draft: EntityDraft, key: string, delta: -1 | 1): EntityDraft {
  const from = draft.fields.findIndex((f) => f.key === key);
  const to = from + delta;
  if (from < 0 || to < 0 || to >= draft.fields.length) return draft;
  const fields = [...draft.fields];
  const [moved] = fields.splice(from, 1);
  if (moved) fields.splice(to, 0, moved);
  return { ...draft, fields };
}

/** The field as `type`: keywords that belong to the old type only are dropped. */
export function changeFieldType(field: FieldDraft, type: FieldTypeName): FieldDraft {
  if (field.type === type) return field;
  const extra = Object.fromEntries(Object.entries(field.extra).filter(([k]) => TYPE_INDEPENDENT_EXTRA.includes(k)));
  const kind = FIELD_KINDS[type];
  return {
    ...field,
    type,
    extra,
    defaultValue: '',
    unique: kind.unique && field.unique,
    indexed: kind.indexed && field.indexed,
    autoNumberFormat: kind.autoNumber && field.autoNumberFormat === '' ? '{000000}' : field.autoNumberFormat,
  };
}

// ---------------------------------------------------------------------------------------------
// small helpers

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function strings(value: JsonValue | undefined): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function isOnDelete(value: JsonValue | undefined): value is OnDeletePolicy {
  return value === 'set-null' || value === 'cascade' || value === 'restrict';
}

function pointerToken(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

function humanise(name: string): string {
  const text = name.replace(/_id$/, '').split('_').filter(Boolean).join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
