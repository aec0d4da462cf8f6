/**
 * Pack files (already read) → a normalised `PackModel`, or every problem found, each naming the
 * file, the JSON pointer and the reason. Pure: the caller reads the files.
 *
 *   const result = loadPack({ manifest: { path: 'pack.json', text }, entities: [...] });
 *   if (!result.ok) for (const i of result.issues) console.error(`${i.file}${i.pointer}: ${i.message}`);
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import entityMetaSchema from '../../../schemas/entity.schema.json' with { type: 'json' };
import packMetaSchema from '../../../schemas/pack.schema.json' with { type: 'json' };
import { createPackAjv, createRecordAjv, describeAjvError, patternProblem } from './ajv.ts';
import { deepFreeze } from './canonical-json.ts';
import { identifierProblem } from './identifiers.ts';
import type { EntityModel, FieldModel, IndexModel, JsonObject, JsonValue, LocalizedText, PackInfo, SortKey } from './types.ts';
import { FIELD_TYPES, resolveFieldType } from '../fields/registry.ts';
import { loadWorkflowDocuments } from '../rules/load-workflows.ts';
import type { WorkflowModel } from '../rules/types.ts';

export interface SourceFile {
  readonly path: string;
  readonly text: string;
}

export interface PackSource {
  readonly manifest: SourceFile | null;
  readonly entities: readonly SourceFile[];
  readonly workflows?: readonly SourceFile[];
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
}

export type LoadPackResult = { readonly ok: true; readonly pack: PackModel } | { readonly ok: false; readonly issues: readonly PackIssue[] };

let validators: { pack: ValidateFunction; entity: ValidateFunction } | null = null;
function metaValidators() {
  if (!validators) {
    const ajv = createPackAjv();
    validators = { pack: ajv.compile(packMetaSchema), entity: ajv.compile(entityMetaSchema) };
  }
  return validators;
}

/** Record-side Ajv, used here to check `default` values against the field's value schema. */
let recordAjv: ReturnType<typeof createRecordAjv> | null = null;

const MAX_FILE_BYTES = 1_000_000;

export function loadPack(source: PackSource): LoadPackResult {
  const issues: PackIssue[] = [];
  const report = (file: string, pointer: string, message: string) => issues.push({ file, pointer, message });

  let info: PackInfo | null = null;
  if (!source.manifest) {
    report('pack.json', '', 'the pack has no pack.json manifest');
  } else {
    const manifest = parseJson(source.manifest, report);
    if (manifest !== undefined && checkAgainst(metaValidators().pack, manifest, source.manifest.path, report)) {
      info = packInfo(manifest as JsonObject);
    }
  }

  const { entities, seen, declared } = readEntities(source.entities, report);

  // Relations must point at entities of this pack (packs a pack requires are checked when composing).
  for (const entity of entities) {
    const file = seen.get(entity.name) ?? '';
    for (const field of entity.fields) {
      if (field.relation && !declared.has(field.relation.entity) && info && !entityFromElsewhereAllowed(info)) {
        report(file, `/properties/${field.name}/x-ref`, `field "${field.name}" refers to entity "${field.relation.entity}", which this pack does not define`);
      }
    }
  }

  const loaded = loadWorkflowDocuments(source.workflows ?? [], info?.name ?? null);
  if (!loaded.ok) issues.push(...loaded.issues);

  if (issues.length > 0 || !info || !loaded.ok) return { ok: false, issues };
  return { ok: true, pack: deepFreeze({ info, entities, workflows: loaded.workflows }) };
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

function packInfo(doc: JsonObject): PackInfo {
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
  if (!ok) return null;

  const field: FieldModel = {
    name,
    type: resolved,
    label: labelsWithTitle(schema.title, schema['x-labels'], humanise(name)),
    description: schema.description !== undefined || schema['x-descriptions'] !== undefined ? labelsWithTitle(schema.description, schema['x-descriptions'], '') : null,
    required,
    unique: schema['x-unique'] === true,
    indexed: schema['x-index'] === true || schema['x-unique'] === true || config.relation != null,
    readOnly: config.readOnly === true || schema.readOnly === true,
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
