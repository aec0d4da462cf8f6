/**
 * Pack files (already read) → a normalised `PackModel`, or every problem found, each naming the
 * file, the JSON pointer and the reason. Pure: the caller reads the files. Which files a pack may
 * hold, and how each kind is checked, is the kind registry's business (`packs/kinds/registry.ts`).
 *
 *   const result = loadPackFiles([{ path: 'pack.json', text }, { path: 'entities/deal.json', text: deal }]);
 *   if (!result.ok) for (const i of result.issues) console.error(`${i.file}${i.pointer}: ${i.message}`);
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import entityMetaSchema from '../../../schemas/entity.schema.json' with { type: 'json' };
import { createPackAjv, createRecordAjv, describeAjvError, patternProblem } from './ajv.ts';
import { deepFreeze } from './canonical-json.ts';
import { identifierProblem } from './identifiers.ts';
import type { ComputedModel, EntityModel, FieldModel, IndexModel, JsonObject, JsonValue, LocalizedText, PackInfo, RollupModel, RuleModel, SortKey } from './types.ts';
import { FIELD_TYPES, resolveFieldType } from '../fields/registry.ts';
import type { FieldTypeName } from '../fields/names.ts';
import { compileExpression, scopeForEntity, type ExprType } from '../expressions/index.ts';
import type { WorkflowModel } from '../rules/types.ts';
import type { RoleModel } from '../access/role-model.ts';
import { classifyPackFile, PACK_FILE_KINDS } from '../packs/kinds/registry.ts';
import type { PackFileKind, PackFileKindName, PackLoadContext, PackManifest } from '../packs/kinds/pack-file-kind.ts';

export interface SourceFile {
  readonly path: string;
  readonly text: string;
}

export interface PackSource {
  readonly manifest: SourceFile | null;
  readonly entities: readonly SourceFile[];
  readonly workflows?: readonly SourceFile[];
  /** Files of the other kinds (`i18n/`, `data/`, `imports/` …), told apart by their paths. */
  readonly files?: readonly SourceFile[];
}

export interface PackIssue {
  readonly file: string;
  /** JSON pointer into the file ('' for the whole file). */
  readonly pointer: string;
  readonly message: string;
}

export interface PackModel {
  readonly info: PackInfo;
  readonly entities: readonly EntityModel[];
  readonly workflows: readonly WorkflowModel[];
  /** Its roles (`roles/<name>.json`). */
  readonly roles: readonly RoleModel[];
  readonly description: LocalizedText | null;
  /** `requires.platform`: the platform versions the pack works with (a semver range), or null. */
  readonly platform: string | null;
  /** Every file of the pack as read, by path: what is installed, bundled and exported. */
  readonly files: readonly SourceFile[];
}

export type LoadPackResult = { readonly ok: true; readonly pack: PackModel } | { readonly ok: false; readonly issues: readonly PackIssue[] };

let validators: { entity: ValidateFunction } | null = null;
function metaValidators() {
  if (!validators) {
    const ajv = createPackAjv();
    validators = { entity: ajv.compile(entityMetaSchema) };
  }
  return validators;
}

/** Record-side Ajv, used here to check `default` values against the field's value schema. */
let recordAjv: ReturnType<typeof createRecordAjv> | null = null;

const MAX_FILE_BYTES = 1_000_000;

/** The files of a pack, each told apart by its path (`pack.json`, `entities/<name>.json` …). */
export function loadPackFiles(files: readonly SourceFile[]): LoadPackResult {
  const issues: PackIssue[] = [];
  const byKind = emptyByKind();
  classifyInto(byKind, files, issues);
  return loadClassified(byKind, issues);
}

/** A pack whose manifest, entities and workflows are given apart (other files by their paths). */
export function loadPack(source: PackSource): LoadPackResult {
  const issues: PackIssue[] = [];
  const byKind = emptyByKind();
  if (source.manifest) byKind.manifest.push(source.manifest);
  byKind.entities.push(...source.entities);
  byKind.workflows.push(...(source.workflows ?? []));
  classifyInto(byKind, source.files ?? [], issues);
  // Files given apart are recorded (installed, exported) where a pack folder holds them.
  const where = new Map<SourceFile, string>([
    ...(source.manifest ? [[source.manifest, 'pack.json'] as const] : []),
    ...source.entities.map((f) => [f, `entities/${fileName(f.path)}`] as const),
    ...(source.workflows ?? []).map((f) => [f, `workflows/${fileName(f.path)}`] as const),
  ]);
  return loadClassified(byKind, issues, (file) => where.get(file) ?? file.path);
}

function fileName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

function emptyByKind(): Record<PackFileKindName, SourceFile[]> {
  return Object.fromEntries(Object.keys(PACK_FILE_KINDS).map((name) => [name, []])) as unknown as Record<PackFileKindName, SourceFile[]>;
}

function classifyInto(byKind: Record<PackFileKindName, SourceFile[]>, files: readonly SourceFile[], issues: PackIssue[]): void {
  for (const file of files) {
    const kind = classifyPackFile(file.path);
    if (!kind) {
      const known = Object.values(PACK_FILE_KINDS).map((k) => k.layout);
      issues.push({ file: file.path, pointer: '', message: `a pack cannot hold this file; its files are ${known.join(', ')}` });
      continue;
    }
    byKind[kind.name].push(file);
  }
}

function loadClassified(byKind: Record<PackFileKindName, SourceFile[]>, issues: PackIssue[], packPath: (file: SourceFile) => string = (f) => f.path): LoadPackResult {
  const report = (file: string, pointer: string, message: string) => issues.push({ file, pointer, message });
  const kinds: readonly PackFileKind[] = Object.values(PACK_FILE_KINDS);
  for (const kind of kinds) {
    for (const file of byKind[kind.name]) {
      const problem = contentProblem(file, kind.maxBytes, kind.format);
      if (problem) report(file.path, '', problem);
    }
  }
  let context: PackLoadContext = { manifest: null, entities: [], declaredEntities: new Set(), report };
  let workflows: readonly WorkflowModel[] = [];
  let roles: readonly RoleModel[] = [];
  // Kinds load in registry order: each sees what the kinds before it found.
  for (const kind of kinds) {
    const sane = byKind[kind.name].filter((f) => contentProblem(f, kind.maxBytes, kind.format) === null);
    const added = kind.load(sane, context);
    context = {
      ...context,
      ...(added.manifest ? { manifest: added.manifest } : {}),
      ...(added.entities ? { entities: [...context.entities, ...added.entities] } : {}),
      ...(added.declaredEntities ? { declaredEntities: new Set([...context.declaredEntities, ...added.declaredEntities]) } : {}),
    };
    if (added.workflows) workflows = [...workflows, ...added.workflows];
    if (added.roles) roles = [...roles, ...added.roles];
  }
  const manifest = context.manifest;
  if (issues.length > 0 || !manifest) return { ok: false, issues };
  const files = Object.values(byKind)
    .flat()
    .map((f) => ({ path: packPath(f), text: f.text }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    ok: true,
    pack: deepFreeze({ info: manifest.info, entities: context.entities, workflows, roles, description: manifest.description, platform: manifest.platform, files }),
  };
}

/** Files too large, binary, or JSON with a NUL character (PostgreSQL's jsonb cannot store one). */
function contentProblem(file: SourceFile, maxBytes: number, format: 'json' | 'text'): string | null {
  if (file.text.length > maxBytes || utf8Length(file.text) > maxBytes) return `the file is larger than ${maxBytes} bytes`;
  if (file.text.includes('\u0000')) return 'the file contains a NUL character; it looks binary, not text';
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(file.text)) return 'the file is not valid Unicode text';
  if (format === 'json' && /\\u0000/i.test(file.text)) return 'the file contains a NUL character (\\u0000), which cannot be stored';
  if (format === 'json' && nestingDepth(file.text) > MAX_JSON_DEPTH) return `the file nests objects and lists deeper than ${MAX_JSON_DEPTH} levels`;
  return null;
}

/** Deeper than any pack document needs; walking a deeper one would exhaust the stack. */
const MAX_JSON_DEPTH = 64;

/** How deep `[` and `{` nest in JSON text (outside strings); a linear scan, before parsing. */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c < 0xdc00 ? 1 : 3; // a surrogate pair: 1 + 3
  }
  return bytes;
}

/**
 * The entity files of a pack: each document checked and normalised, relations and roll-ups
 * checked against the pack's own entities (those of packs it requires are checked when composing).
 */
export function loadEntityFiles(files: readonly SourceFile[], context: PackLoadContext): { entities: EntityModel[]; declared: Set<string> } {
  const { entities, seen, declared } = readEntities(files, context.report);
  const info = context.manifest?.info ?? null;
  const elsewhereAllowed = info !== null && entityFromElsewhereAllowed(info);
  for (const entity of entities) {
    const file = seen.get(entity.name) ?? '';
    for (const field of entity.fields) {
      if (field.relation && !declared.has(field.relation.entity) && info && !elsewhereAllowed) {
        context.report(file, `/properties/${field.name}/x-ref`, `field "${field.name}" refers to entity "${field.relation.entity}", which this pack does not define`);
      }
    }
  }
  for (const entity of entities) {
    const isMissing = (name: string) => !declared.has(name) && info !== null && !elsewhereAllowed;
    for (const problem of rollupProblems(entity, entities, { isMissing })) context.report(seen.get(entity.name) ?? '', problem.pointer, problem.message);
  }
  return { entities, declared };
}

/** The manifest's meaning, once it passed its meta-schema. */
export function packManifest(doc: JsonObject): PackManifest {
  const requires = doc.requires as JsonObject | undefined;
  return {
    info: packInfo(doc),
    description: doc.description === undefined ? null : localized(doc.description, ''),
    platform: typeof requires?.platform === 'string' ? requires.platform : null,
  };
}

export type LoadEntitiesResult = { readonly ok: true; readonly entities: readonly EntityModel[] } | { readonly ok: false; readonly issues: readonly PackIssue[] };

/**
 * Entity documents without a pack (the designer's): the checks `loadPack` makes of each entity
 * file, minus the manifest. Relation targets are not checked here; composing the model does that.
 *
 *   const result = loadEntityDocuments([{ path: 'entities/lead.json', text: JSON.stringify(doc) }]);
 */
export function loadEntityDocuments(files: readonly SourceFile[]): LoadEntitiesResult {
  const issues: PackIssue[] = [];
  const report = (file: string, pointer: string, message: string) => issues.push({ file, pointer, message });
  const { entities } = readEntities(files, report);
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, entities: deepFreeze(entities) };
}

function readEntities(
  files: readonly SourceFile[],
  report: (f: string, p: string, m: string) => void,
): { entities: EntityModel[]; seen: Map<string, string>; declared: Set<string> } {
  const entities: EntityModel[] = [];
  const seen = new Map<string, string>();
  // Entities declared, valid or not: a relation to one with problems is not a problem of its own.
  const declared = new Set<string>();
  for (const file of files) {
    const doc = parseJson(file, report);
    if (doc === undefined) continue;
    if (doc && typeof doc === 'object' && typeof (doc as { $id?: unknown }).$id === 'string') declared.add((doc as { $id: string }).$id);
    // Names get their own, plainer check (the meta-schema's pattern says only "does not match").
    const namesOk = checkEntityNames(doc, file.path, report);
    if (!checkAgainst(metaValidators().entity, doc, file.path, report, isNameError)) continue;
    // Normalised even when a name is refused, so that the file's other problems are reported too.
    const entity = normaliseEntity(doc as JsonObject, file.path, report);
    if (!entity || !namesOk) continue;
    const expected = baseName(file.path);
    if (expected !== null && expected !== entity.name) {
      report(file.path, '/$id', `the entity is named "${entity.name}" but its file is named "${expected}.json"; they must match`);
    }
    const other = seen.get(entity.name);
    if (other) report(file.path, '/$id', `entity "${entity.name}" is also defined in ${other}`);
    seen.set(entity.name, file.path);
    entities.push(entity);
  }
  return { entities, seen, declared };
}

/** A pack that requires other packs may refer to their entities; composing checks them. */
function entityFromElsewhereAllowed(info: PackInfo): boolean {
  return info.requires.length > 0;
}

function baseName(path: string): string | null {
  const match = /([^/\\]+)\.json$/.exec(path);
  return match?.[1] ?? null;
}

export function parseJson(file: SourceFile, report: (f: string, p: string, m: string) => void): unknown {
  if (file.text.length > MAX_FILE_BYTES) {
    report(file.path, '', `the file is larger than ${MAX_FILE_BYTES} bytes`);
    return undefined;
  }
  try {
    return JSON.parse(file.text) as unknown;
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    const where = position ? ` at ${lineAndColumn(file.text, Number(position[1]))}` : '';
    report(file.path, '', `the file is not valid JSON${where}: ${message}`);
    return undefined;
  }
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

export function checkAgainst(
  validate: ValidateFunction,
  data: unknown,
  file: string,
  report: (f: string, p: string, m: string) => void,
  reportedElsewhere: (error: ErrorObject) => boolean = () => false,
): boolean {
  if (validate(data)) return true;
  for (const error of simplifyErrors(validate.errors ?? [])) {
    if (!reportedElsewhere(error)) report(file, error.instancePath, describeAjvError(error));
  }
  return false;
}

/** Meta-schema errors about entity and field names, which `checkEntityNames` reports instead. */
function isNameError(error: ErrorObject): boolean {
  return error.keyword === 'propertyNames' || error.propertyName !== undefined || (error.instancePath === '/$id' && error.keyword === 'pattern');
}

function checkEntityNames(doc: unknown, file: string, report: (f: string, p: string, m: string) => void): boolean {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return true;
  let ok = true;
  const { $id, properties } = doc as { $id?: unknown; properties?: unknown };
  if (typeof $id === 'string') {
    const problem = identifierProblem($id, 'entity');
    if (problem) {
      report(file, '/$id', problem);
      ok = false;
    }
  }
  if (properties && typeof properties === 'object' && !Array.isArray(properties)) {
    for (const name of Object.keys(properties)) {
      const problem = identifierProblem(name, 'field');
      if (problem) {
        report(file, `/properties/${escapePointer(name)}`, problem);
        ok = false;
      }
    }
  }
  return ok;
}

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** `anyOf` branches each fail in their own way; say that the value fits none, once. */
function simplifyErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const out: ErrorObject[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (e.keyword !== 'anyOf' && [...anyOfPaths].some((p) => e.instancePath.startsWith(p) && e.schemaPath.includes('anyOf'))) continue;
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e.keyword === 'anyOf' ? { ...e, message: 'must be a text or an object of texts by locale with an "en" entry' } : e);
  }
  return out;
}

export function localized(value: JsonValue | undefined, fallback: string): LocalizedText {
  if (typeof value === 'string') return { en: value };
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
    if (!out.en) out.en = fallback;
    return out;
  }
  return { en: fallback };
}

function labelsWithTitle(title: JsonValue | undefined, labels: JsonValue | undefined, fallback: string): LocalizedText {
  const base = localized(labels, typeof title === 'string' ? title : fallback);
  return typeof title === 'string' ? { ...base, en: title } : base;
}

export function humanise(name: string): string {
  const words = name.replace(/_id$/, '').split('_').filter(Boolean);
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function stringList(value: JsonValue | undefined): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function packInfo(doc: JsonObject): PackInfo {
  const requires = doc.requires as JsonObject | undefined;
  const packs = (requires?.packs ?? {}) as Record<string, string>;
  return {
    name: String(doc.name),
    version: String(doc.version),
    title: localized(doc.title, String(doc.name)),
    locales: stringList(doc.locales).length > 0 ? stringList(doc.locales) : ['en'],
    requires: Object.entries(packs).map(([name, range]) => ({ name, range })),
  };
}

function normaliseEntity(doc: JsonObject, file: string, report: (f: string, p: string, m: string) => void): EntityModel | null {
  const name = String(doc.$id);
  let ok = true;
  const properties = (doc.properties ?? {}) as Record<string, JsonObject>;
  const required = new Set(stringList(doc.required));
  for (const r of required) {
    if (!Object.hasOwn(properties, r)) {
      report(file, '/required', `"${r}" is listed as required but there is no such field`);
      ok = false;
    }
  }

  const fields: FieldModel[] = [];
  for (const [index, [fieldName, schema]] of Object.entries(properties).entries()) {
    const field = normaliseField(fieldName, schema, required.has(fieldName), (index + 1) * 10, file, report);
    if (field) fields.push(field);
    else ok = false;
  }

  const fieldNames = new Set(fields.map((f) => f.name));
  const titleField = typeof doc['x-title-field'] === 'string' ? doc['x-title-field'] : (fields.find((f) => f.type === 'text')?.name ?? null);
  if (typeof doc['x-title-field'] === 'string' && !fieldNames.has(doc['x-title-field'])) {
    report(file, '/x-title-field', `title field "${doc['x-title-field']}" is not a field of this entity`);
    ok = false;
  }

  const indexes: IndexModel[] = [];
  const rawIndexes = Array.isArray(doc['x-indexes']) ? (doc['x-indexes'] as JsonObject[]) : [];
  rawIndexes.forEach((index, i) => {
    const names = stringList(index.fields);
    for (const n of names) {
      if (!fieldNames.has(n)) {
        report(file, `/x-indexes/${i}/fields`, `index refers to "${n}", which is not a field of this entity`);
        ok = false;
      }
    }
    indexes.push({ fields: names, unique: index.unique === true });
  });

  const defaultSort: SortKey[] = [];
  const rawSort = Array.isArray(doc['x-default-sort']) ? (doc['x-default-sort'] as JsonObject[]) : [];
  rawSort.forEach((key, i) => {
    const field = fields.find((f) => f.name === key.field);
    if (!field) {
      report(file, `/x-default-sort/${i}/field`, `sort key "${String(key.field)}" is not a field of this entity`);
      ok = false;
    } else if (!FIELD_TYPES[field.type].sortable) {
      report(file, `/x-default-sort/${i}/field`, `field "${field.name}" (${field.type}) cannot be sorted on`);
      ok = false;
    } else {
      defaultSort.push({ field: field.name, direction: key.direction === 'desc' ? 'desc' : 'asc' });
    }
  });

  const rawSections = Array.isArray(doc['x-sections']) ? (doc['x-sections'] as JsonObject[]) : [];
  const sections = rawSections.map((section) => ({ id: String(section.id), label: localized(section.label, humanise(String(section.id))) }));
  const sectionIds = new Set(sections.map((section) => section.id));
  if (sectionIds.size !== sections.length) {
    report(file, '/x-sections', 'two sections have the same id');
    ok = false;
  }
  for (const field of fields) {
    if (field.layout.section !== null && !sectionIds.has(field.layout.section)) {
      report(file, `/properties/${field.name}/x-section`, `section "${field.layout.section}" is not listed in x-sections`);
      ok = false;
    }
  }

  const rules = readRules(doc, fields, file, report);
  if (rules === null) ok = false;
  if (ok && !checkFormulas(name, fields, file, report)) ok = false;

  if (!ok) return null;
  const label = labelsWithTitle(doc.title, doc['x-labels'], humanise(name));
  const plural = localized(doc['x-plural-labels'], label.en?.endsWith('s') ? (label.en ?? name) : `${label.en ?? name}s`);
  return {
    name,
    label,
    pluralLabel: { ...label, ...plural },
    description: doc.description !== undefined || doc['x-descriptions'] !== undefined ? labelsWithTitle(doc.description, doc['x-descriptions'], '') : null,
    renamedFrom: stringList(doc['x-renamed-from']),
    titleField,
    fields,
    indexes,
    sections,
    defaultSort,
    schema: doc,
    ...(rules && rules.length > 0 ? { rules } : {}),
  };
}

function normaliseField(name: string, schema: JsonObject, required: boolean, order: number, file: string, report: (f: string, p: string, m: string) => void): FieldModel | null {
  const at = `/properties/${name}`;
  let ok = true;
  const fail = (pointer: string, message: string) => {
    report(file, `${at}${pointer}`, message);
    ok = false;
  };
  for (const key of ['pattern'] as const) {
    const pattern = schema[key] ?? (schema.items as JsonObject | undefined)?.[key];
    if (typeof pattern === 'string') {
      const p = patternProblem(pattern);
      if (p) fail(`/${key}`, p);
    }
  }
  const resolved = resolveFieldType(schema);
  if (typeof resolved === 'object') {
    fail('', `field "${name}": ${resolved.error}`);
    return null;
  }
  const type = FIELD_TYPES[resolved];
  const config = type.configure(schema, { report: (pointer, message) => fail(pointer, message) });
  const computed = readComputed(name, schema, resolved, required, fail);
  if (!ok) return null;

  const field: FieldModel = {
    name,
    type: resolved,
    label: labelsWithTitle(schema.title, schema['x-labels'], humanise(name)),
    description: schema.description !== undefined || schema['x-descriptions'] !== undefined ? labelsWithTitle(schema.description, schema['x-descriptions'], '') : null,
    required,
    unique: schema['x-unique'] === true,
    indexed: schema['x-index'] === true || schema['x-unique'] === true || config.relation != null,
    readOnly: config.readOnly === true || schema.readOnly === true || computed !== null,
    defaultValue: schema.default,
    renamedFrom: stringList(schema['x-renamed-from']),
    schema,
    options: config.options ?? [],
    relation: config.relation ?? null,
    autoNumber: config.autoNumber ?? null,
    layout: {
      section: typeof schema['x-section'] === 'string' ? schema['x-section'] : null,
      width: schema['x-width'] === 'half' || schema['x-width'] === 'third' ? schema['x-width'] : 'full',
      order: typeof schema['x-order'] === 'number' ? schema['x-order'] : order,
      inList: schema['x-hidden-in-list'] !== true,
    },
    help: schema['x-help'] !== undefined ? localized(schema['x-help'], '') : null,
    ...(computed ? { computed } : {}),
  };

  if (field.defaultValue !== undefined) {
    recordAjv ??= createRecordAjv();
    const validate = recordAjv.compile(type.valueSchema(schema));
    if (!validate(field.defaultValue)) {
      const error = validate.errors?.[0];
      report(file, `${at}/default`, `the default value ${error ? describeAjvError(error) : 'does not fit the field'}`);
      return null;
    }
  }
  if (field.readOnly && field.required && type.name !== 'auto_number') {
    report(file, `${at}/readOnly`, `field "${name}" is read-only and required, so no record could ever be saved`);
    return null;
  }
  return field;
}

/**
 * Types a formula or roll-up cannot produce: money has two parts (amount and currency), a
 * relation must point at a record that exists, an auto-number numbers itself.
 */
const NOT_COMPUTABLE: ReadonlySet<FieldTypeName> = new Set<FieldTypeName>(['money', 'relation', 'auto_number']);

/** `x-formula` / `x-rollup` → the field's computed model (null for an ordinary field). */
function readComputed(name: string, schema: JsonObject, type: FieldTypeName, required: boolean, fail: (pointer: string, message: string) => void): ComputedModel | null {
  const formula = schema['x-formula'];
  const rollup = schema['x-rollup'] as JsonObject | undefined;
  if (formula === undefined && rollup === undefined) return null;
  const keyword = formula !== undefined ? '/x-formula' : '/x-rollup';
  if (formula !== undefined && rollup !== undefined) {
    fail('', `field "${name}" has both x-formula and x-rollup; a computed field is one or the other`);
    return null;
  }
  let ok = true;
  const problem = (pointer: string, message: string) => {
    fail(pointer, message);
    ok = false;
  };
  if (NOT_COMPUTABLE.has(type)) problem(keyword, `a ${type} field cannot be computed; make "${name}" a ${type === 'money' ? 'decimal' : 'text or number'} field`);
  if (required) problem('', `field "${name}" is computed, so it cannot be required (a formula or roll-up may give no value)`);
  if (schema.default !== undefined) problem('/default', `field "${name}" is computed, so it has no default`);
  if (schema['x-unique'] === true) problem('/x-unique', `field "${name}" is computed, so it cannot be unique`);
  if (typeof formula === 'string') return ok ? { kind: 'formula', expression: formula } : null;
  if (!rollup) return null;
  if (schema['x-scale'] !== undefined) problem('/x-scale', `the roll-up "${name}" keeps the digits of the values it aggregates; leave out x-scale`);
  const measure = rollup.measure as RollupModel['measure'];
  const field = typeof rollup.field === 'string' ? rollup.field : null;
  if (measure === 'count' && field !== null) problem('/x-rollup/field', 'a count roll-up counts records; leave out "field"');
  if (measure !== 'count' && field === null) problem('/x-rollup', `a ${measure} roll-up needs the "field" it aggregates`);
  const resultType = FIELD_TYPES[type].expressionType;
  if ((measure === 'count' || measure === 'sum' || measure === 'avg') && resultType !== 'number') {
    problem(keyword, `a ${measure} roll-up gives a number; make "${name}" a decimal or integer field`);
  }
  if ((measure === 'min' || measure === 'max') && resultType !== 'number' && resultType !== 'date' && resultType !== 'datetime') {
    problem(keyword, `a ${measure} roll-up gives a number, a date or a datetime; "${name}" is a ${type} field`);
  }
  if (!ok) return null;
  return { kind: 'rollup', entity: String(rollup.entity), via: String(rollup.via), measure, field, filter: (rollup.filter as JsonObject | undefined) ?? null };
}

/** What a formula result of one type can be stored in. */
function fits(result: ExprType, target: ExprType): boolean {
  if (result === 'any' || result === target) return true;
  if (target === 'text') return result !== 'list';
  return (target === 'date' && result === 'datetime') || (target === 'datetime' && result === 'date');
}

/**
 * Formulas compile against the entity's fields, use no roll-up (a roll-up changes without a
 * write to this record, so a formula over it would go stale), give a value their field can hold,
 * and do not refer to each other in a circle.
 */
function checkFormulas(entityName: string, fields: readonly FieldModel[], file: string, report: (f: string, p: string, m: string) => void): boolean {
  const formulas = fields.filter((f) => f.computed?.kind === 'formula');
  if (formulas.length === 0) return true;
  const scope = scopeForEntity({ name: entityName, fields } as EntityModel);
  const rollups = new Set(fields.filter((f) => f.computed?.kind === 'rollup').map((f) => f.name));
  const formulaNames = new Set(formulas.map((f) => f.name));
  const uses = new Map<string, string[]>();
  let ok = true;
  for (const field of formulas) {
    const at = `/properties/${field.name}/x-formula`;
    const compiled = compileExpression(field.computed?.kind === 'formula' ? field.computed.expression : '', scope);
    if (!compiled.ok) {
      for (const issue of compiled.issues) report(file, at, `the formula of "${field.name}": ${issue.message}`);
      ok = false;
      continue;
    }
    const rollup = compiled.expression.references.find((r) => rollups.has(r));
    if (rollup) {
      report(file, at, `the formula of "${field.name}" uses the roll-up "${rollup}"; formulas cannot use roll-ups (a roll-up changes without a write to this record, so the formula would go stale)`);
      ok = false;
    }
    const target = FIELD_TYPES[field.type].expressionType;
    if (!fits(compiled.expression.resultType, target)) {
      report(file, at, `the formula of "${field.name}" gives ${compiled.expression.resultType === 'list' ? 'a list' : `a ${compiled.expression.resultType}`}, but "${field.name}" is a ${field.type} field`);
      ok = false;
    }
    uses.set(field.name, compiled.expression.references.filter((r) => formulaNames.has(r)));
  }
  const cycle = findCycle(uses);
  if (cycle) {
    report(file, `/properties/${cycle[0]}/x-formula`, `formulas refer to each other in a circle: ${cycle.join(' → ')}`);
    ok = false;
  }
  return ok;
}

function findCycle(uses: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | null => {
    if (state.get(name) === 'done') return null;
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    path.push(name);
    for (const next of uses.get(name) ?? []) {
      const found = visit(next);
      if (found) return found;
    }
    path.pop();
    state.set(name, 'done');
    return null;
  };
  for (const name of uses.keys()) {
    const found = visit(name);
    if (found) return found;
  }
  return null;
}

/** `x-rules` → rules, each checked against the entity's fields; null when any is wrong. */
function readRules(doc: JsonObject, fields: readonly FieldModel[], file: string, report: (f: string, p: string, m: string) => void): RuleModel[] | null {
  const raw = Array.isArray(doc['x-rules']) ? (doc['x-rules'] as JsonObject[]) : [];
  if (raw.length === 0) return [];
  const scope = scopeForEntity({ name: String(doc.$id), fields } as EntityModel, { withOld: true });
  const names = new Set(fields.map((f) => f.name));
  const seenRules = new Set<string>();
  const rules: RuleModel[] = [];
  let ok = true;
  raw.forEach((rule, i) => {
    const at = `/x-rules/${i}`;
    const name = String(rule.name);
    if (seenRules.has(name)) {
      report(file, `${at}/name`, `two rules are named "${name}"`);
      ok = false;
    }
    seenRules.add(name);
    const ruleFields = stringList(rule.fields);
    ruleFields.forEach((field, j) => {
      if (!names.has(field)) {
        report(file, `${at}/fields/${j}`, `rule "${name}" names "${field}", which is not a field of this entity`);
        ok = false;
      }
    });
    const compiled = compileExpression(String(rule.assert), scope);
    if (!compiled.ok) {
      for (const issue of compiled.issues) report(file, `${at}/assert`, `rule "${name}": ${issue.message}`);
      ok = false;
    }
    rules.push({ name, assert: String(rule.assert), fields: ruleFields, message: localized(rule.message, name) });
  });
  return ok ? rules : null;
}

export interface RollupProblem {
  readonly pointer: string;
  readonly message: string;
}

/**
 * What is wrong with `entity`'s roll-ups given the entities they may read: the aggregated entity
 * exists, `via` is its relation to `entity`, the measured field exists and suits the measure and
 * the roll-up field. An entity not in `entities` is a problem only when `isMissing` says so (a
 * pack may read entities of the packs it requires; composing checks those).
 */
export function rollupProblems(entity: EntityModel, entities: readonly EntityModel[], options: { readonly isMissing?: (name: string) => boolean } = {}): RollupProblem[] {
  const problems: RollupProblem[] = [];
  for (const field of entity.fields) {
    const rollup = field.computed?.kind === 'rollup' ? field.computed : null;
    if (!rollup) continue;
    const at = `/properties/${field.name}/x-rollup`;
    const source = entities.find((e) => e.name === rollup.entity);
    if (!source) {
      if (options.isMissing?.(rollup.entity)) problems.push({ pointer: `${at}/entity`, message: `the roll-up "${field.name}" reads entity "${rollup.entity}", which does not exist` });
      continue;
    }
    const via = source.fields.find((f) => f.name === rollup.via);
    if (!via) {
      problems.push({ pointer: `${at}/via`, message: `the roll-up "${field.name}": "${rollup.via}" is not a field of ${rollup.entity}` });
    } else if (via.relation?.entity !== entity.name) {
      problems.push({ pointer: `${at}/via`, message: `the roll-up "${field.name}": ${rollup.entity}.${rollup.via} must be a relation to ${entity.name} (x-ref "${entity.name}")` });
    }
    if (rollup.field === null) continue;
    const measured = source.fields.find((f) => f.name === rollup.field);
    if (!measured) {
      problems.push({ pointer: `${at}/field`, message: `the roll-up "${field.name}": "${rollup.field}" is not a field of ${rollup.entity}` });
      continue;
    }
    const measuredType = FIELD_TYPES[measured.type].expressionType;
    const targetType = FIELD_TYPES[field.type].expressionType;
    if ((rollup.measure === 'sum' || rollup.measure === 'avg') && measuredType !== 'number') {
      problems.push({ pointer: `${at}/field`, message: `the roll-up "${field.name}": ${rollup.measure} needs a number field, and ${rollup.entity}.${rollup.field} is ${measured.type}` });
    } else if ((rollup.measure === 'min' || rollup.measure === 'max') && measuredType !== targetType) {
      problems.push({ pointer: `${at}/field`, message: `the roll-up "${field.name}": the ${rollup.measure} of ${rollup.entity}.${rollup.field} (${measured.type}) does not fit a ${field.type} field` });
    }
  }
  return problems;
}
