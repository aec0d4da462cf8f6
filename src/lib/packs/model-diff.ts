/**
 * What a model change means to the people reviewing it: entities and fields added, changed,
 * renamed or removed, and workflows added, changed or removed — matched by identity (a name, or
 * an earlier name declared in `x-renamed-from`), never guessed. The SQL steps and their affected
 * rows come from the migration planner; this is the readable summary beside them.
 *
 *   diffModels(current, next).entities
 *   // [{ name: 'contact', change: 'changed', fields: [{ name: 'email', change: 'changed', keywords: ['title'] }] }]
 */
import type { EntityModel, FieldModel, JsonObject, LocalizedText, Model } from '../model/types.ts';
import type { WorkflowModel } from '../rules/types.ts';
import { sameJson } from './pack-json.ts';

export type ChangeKind = 'added' | 'changed' | 'renamed' | 'removed';

export interface FieldChange {
  readonly name: string;
  readonly change: ChangeKind;
  /** The earlier name of a renamed field. */
  readonly from: string | null;
  readonly type: string;
  /** The type before, when it changed. */
  readonly previousType: string | null;
  /** Schema keywords whose value changed (`title`, `maxLength`, `required` …). */
  readonly keywords: readonly string[];
}

export interface EntityChange {
  readonly name: string;
  readonly change: ChangeKind;
  readonly from: string | null;
  readonly label: LocalizedText;
  readonly pack: string | null;
  /** Entity-level keywords whose value changed (`title`, `x-labels`, `x-default-sort` …). */
  readonly keywords: readonly string[];
  readonly fields: readonly FieldChange[];
}

export interface WorkflowChange {
  readonly name: string;
  readonly change: Exclude<ChangeKind, 'renamed'>;
  readonly label: LocalizedText;
  readonly keywords: readonly string[];
}

export interface ModelDiff {
  readonly entities: readonly EntityChange[];
  readonly workflows: readonly WorkflowChange[];
}

export function isEmptyDiff(diff: ModelDiff): boolean {
  return diff.entities.length === 0 && diff.workflows.length === 0;
}

export function diffModels(before: Model, after: Model): ModelDiff {
  const entities: EntityChange[] = [];
  const matched = match(before.entities, after.entities);
  for (const next of after.entities) {
    const old = matched.get(next);
    if (!old) {
      entities.push({ name: next.name, change: 'added', from: null, label: next.label, pack: next.pack ?? null, keywords: [], fields: next.fields.map((f) => fieldChange(f, 'added', null)) });
      continue;
    }
    const fields = diffFields(old, next);
    const keywords = changedKeys(old.schema, next.schema, ['properties', 'required', 'x-renamed-from']);
    const renamed = old.name !== next.name;
    if (!renamed && fields.length === 0 && keywords.length === 0) continue;
    entities.push({ name: next.name, change: renamed ? 'renamed' : 'changed', from: renamed ? old.name : null, label: next.label, pack: next.pack ?? null, keywords, fields });
  }
  const kept = new Set(matched.values());
  for (const old of before.entities) {
    if (!kept.has(old)) entities.push({ name: old.name, change: 'removed', from: null, label: old.label, pack: old.pack ?? null, keywords: [], fields: [] });
  }
  return { entities, workflows: diffWorkflows(before.workflows, after.workflows) };
}

function diffFields(old: EntityModel, next: EntityModel): FieldChange[] {
  const out: FieldChange[] = [];
  const matched = match(old.fields, next.fields);
  for (const field of next.fields) {
    const was = matched.get(field);
    if (!was) {
      out.push(fieldChange(field, 'added', null));
      continue;
    }
    const keywords = changedKeys(was.schema, field.schema, ['x-renamed-from']);
    if (was.required !== field.required) keywords.push('required');
    const renamed = was.name !== field.name;
    if (!renamed && keywords.length === 0) continue;
    out.push({ name: field.name, change: renamed ? 'renamed' : 'changed', from: renamed ? was.name : null, type: field.type, previousType: was.type === field.type ? null : was.type, keywords: keywords.sort() });
  }
  const kept = new Set(matched.values());
  for (const field of old.fields) if (!kept.has(field)) out.push(fieldChange(field, 'removed', null));
  return out;
}

function fieldChange(field: FieldModel, change: ChangeKind, from: string | null): FieldChange {
  return { name: field.name, change, from, type: field.type, previousType: null, keywords: [] };
}

function diffWorkflows(before: readonly WorkflowModel[], after: readonly WorkflowModel[]): WorkflowChange[] {
  const out: WorkflowChange[] = [];
  for (const next of after) {
    const old = before.find((w) => w.name === next.name);
    if (!old) out.push({ name: next.name, change: 'added', label: next.label, keywords: [] });
    else if (!sameJson(old.document, next.document) || old.pack !== next.pack) out.push({ name: next.name, change: 'changed', label: next.label, keywords: changedKeys(old.document, next.document, []) });
  }
  for (const old of before) if (!after.some((w) => w.name === old.name)) out.push({ name: old.name, change: 'removed', label: old.label, keywords: [] });
  return out;
}

/** `next` items matched to their `old` selves by name or by an earlier name they declare. */
function match<T extends { readonly name: string; readonly renamedFrom: readonly string[] }>(olds: readonly T[], nexts: readonly T[]): Map<T, T> {
  const out = new Map<T, T>();
  const used = new Set<T>();
  const nextNames = new Set(nexts.map((n) => n.name));
  for (const next of nexts) {
    const same = olds.find((o) => o.name === next.name && !used.has(o));
    const found = same ?? olds.find((o) => !used.has(o) && next.renamedFrom.includes(o.name) && !nextNames.has(o.name));
    if (found) {
      out.set(next, found);
      used.add(found);
    }
  }
  return out;
}

function changedKeys(a: JsonObject, b: JsonObject, ignore: readonly string[]): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => !ignore.includes(k) && !sameJson(a[k], b[k])).sort();
}
