/**
 * The mapping editor's form ↔ the mapping document. Columns are named by their position
 * (`col.3`), never by header text, so a header can be anything a file holds. What the form does
 * not show (value tables, defaults, the file's sheet or encoding) is kept from the draft.
 *
 *   const doc = mappingFromForm(formData, headers, draft);   // → ImportMappingDefinition
 */
import type { EntityModel, Model } from '../model/types.ts';
import { DUPLICATE_POLICIES, IMPORT_MODES, isKeyField, type DuplicatePolicy, type ImportMappingDefinition, type ImportMode } from './import-mapping.ts';
import { foldHeader, suggestColumns } from './suggest-mapping.ts';

export interface FormLike {
  get(name: string): FormDataEntryValue | null;
  getAll(name: string): FormDataEntryValue[];
}

const text = (value: FormDataEntryValue | null): string => (typeof value === 'string' ? value : '');

function relationOn(spec: NonNullable<ImportMappingDefinition['relations']>[string] | undefined): string | null {
  if (spec === undefined) return null;
  return typeof spec === 'string' ? spec : spec.on;
}

/** A first draft for a file: the template when one is chosen, otherwise the suggested columns. */
export function draftFor(entity: EntityModel, headers: readonly string[], template: ImportMappingDefinition | null): ImportMappingDefinition {
  if (template) return { ...template, entity: entity.name };
  const columns = Object.fromEntries([...suggestColumns(entity, headers)].filter(([, f]) => f !== null)) as Record<string, string>;
  return { entity: entity.name, columns };
}

/** Fields a relation field's cells can be matched on (the target's text and number fields). */
export function keyFieldsOf(model: Model, entity: EntityModel, field: string): string[] {
  const relation = entity.fields.find((f) => f.name === field)?.relation;
  const target = relation ? model.entities.find((e) => e.name === relation.entity) : undefined;
  return target ? target.fields.filter(isKeyField).map((f) => f.name) : [];
}

export function mappingFromForm(form: FormLike, headers: readonly string[], draft: ImportMappingDefinition, entity: EntityModel, model: Model): ImportMappingDefinition {
  const writable = new Set(entity.fields.filter((f) => !f.readOnly).map((f) => f.name));
  const columns: Record<string, string | null> = {};
  const relations: Record<string, string | { on: string; create?: boolean }> = {};
  headers.forEach((header, i) => {
    const field = text(form.get(`col.${i}`));
    columns[header] = writable.has(field) ? field : null;
    const on = text(form.get(`rel.${i}`));
    if (writable.has(field) && on !== '' && keyFieldsOf(model, entity, field).includes(on)) {
      const before = draft.relations?.[field];
      relations[field] = typeof before === 'object' ? { ...before, on } : on;
    }
  });
  // Declared keys of relation fields the form does not show (a default's, say) stay.
  for (const [field, spec] of Object.entries(draft.relations ?? {})) if (!(field in relations) && relationOn(spec) !== null) relations[field] = spec;
  const dedupeOn = form.getAll('dedupe').map(text).filter((f) => entity.fields.some((x) => x.name === f));
  const onDuplicate = text(form.get('onDuplicate'));
  const mode = text(form.get('mode'));
  const dateFormats = text(form.get('dateFormats'))
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
  const { columns: _c, relations: _r, dedupeOn: _d, onDuplicate: _o, mode: _m, dateFormats: _f, ...rest } = draft;
  return {
    ...rest,
    entity: entity.name,
    columns,
    ...(Object.keys(relations).length > 0 ? { relations } : {}),
    ...(dedupeOn.length > 0 ? { dedupeOn: [...new Set(dedupeOn)] } : {}),
    ...((DUPLICATE_POLICIES as readonly string[]).includes(onDuplicate) ? { onDuplicate: onDuplicate as DuplicatePolicy } : {}),
    ...((IMPORT_MODES as readonly string[]).includes(mode) ? { mode: mode as ImportMode } : {}),
    ...(dateFormats.length > 0 ? { dateFormats } : {}),
  };
}

/** What the editor shows for each column of the file. */
export interface ColumnChoice {
  readonly index: number;
  readonly header: string;
  readonly field: string | null;
  /** For a relation field: the target field its cells are matched on. */
  readonly on: string | null;
  readonly keyFields: readonly string[];
}

export function columnChoices(model: Model, entity: EntityModel, headers: readonly string[], draft: ImportMappingDefinition): ColumnChoice[] {
  const byHeader = new Map(Object.entries(draft.columns));
  const byFolded = new Map(Object.entries(draft.columns).map(([h, f]) => [foldHeader(h), f]));
  return headers.map((header, index) => {
    const field = (byHeader.has(header) ? byHeader.get(header) : byFolded.get(foldHeader(header))) ?? null;
    const target = field ? entity.fields.find((f) => f.name === field) : undefined;
    const keyFields = field ? keyFieldsOf(model, entity, field) : [];
    const relation = target?.relation ? model.entities.find((e) => e.name === target.relation?.entity) : undefined;
    const on = target?.relation ? (relationOn(draft.relations?.[field ?? '']) ?? relation?.titleField ?? null) : null;
    return { index, header, field, on, keyFields };
  });
}
