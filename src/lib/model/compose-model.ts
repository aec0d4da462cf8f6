/**
 * The deployment's model is the union of its installed packs (and, later, designer changes).
 * Applying a pack replaces the entities that pack owns and keeps everybody else's.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { canonicalJson, deepFreeze } from './canonical-json.ts';
import { rollupProblems, type PackIssue, type PackModel } from './load-pack.ts';
import { EMPTY_MODEL_HASH, type EntityModel, type Model, type PackInfo, type RollupFeedModel } from './types.ts';
// Server-side only, like composing itself: a roll-up's filter is checked by the list API's own compiler.
import { compileFilter, ListQueryError } from '../server/records/list-query.ts';
import type { WorkflowModel } from '../rules/types.ts';

export function modelHash(packs: readonly PackInfo[], entities: readonly EntityModel[], workflows: readonly WorkflowModel[] = []): string {
  if (packs.length === 0 && entities.length === 0 && workflows.length === 0) return EMPTY_MODEL_HASH;
  // Without workflows the hash is what it was before workflows existed, so stored models keep theirs.
  const content = workflows.length === 0 ? { packs, entities } : { packs, entities, workflows };
  return bytesToHex(sha256(utf8ToBytes(canonicalJson(content, 0))));
}

export function buildModel(packs: readonly PackInfo[], entities: readonly EntityModel[], workflows: readonly WorkflowModel[] = []): Model {
  const sortedPacks = [...packs].sort((a, b) => a.name.localeCompare(b.name));
  const sortedWorkflows = [...workflows].sort((a, b) => a.name.localeCompare(b.name));
  const withFeeds = withRollupFeeds(entities);
  return deepFreeze({ packs: sortedPacks, entities: withFeeds, workflows: sortedWorkflows, hash: modelHash(sortedPacks, withFeeds, sortedWorkflows) });
}

/**
 * Each entity learns which roll-ups read its records (`rollupFeeds`), so that writing one of its
 * records refreshes them without consulting the rest of the model. Derived afresh on every build;
 * a roll-up whose `via` is not a relation to its entity feeds nothing (composing refuses it).
 */
function withRollupFeeds(entities: readonly EntityModel[]): EntityModel[] {
  const feeds = new Map<string, RollupFeedModel[]>();
  for (const parent of entities) {
    for (const field of parent.fields) {
      const rollup = field.computed?.kind === 'rollup' ? field.computed : null;
      if (!rollup) continue;
      const source = entities.find((e) => e.name === rollup.entity);
      if (source?.fields.find((f) => f.name === rollup.via)?.relation?.entity !== parent.name) continue;
      const list = feeds.get(source.name) ?? [];
      list.push({ entity: parent.name, field: field.name, rollup });
      feeds.set(source.name, list);
    }
  }
  return entities.map((entity) => {
    const list = feeds.get(entity.name);
    if (!list && entity.rollupFeeds === undefined) return entity;
    const { rollupFeeds: _stale, ...rest } = entity;
    return list ? { ...rest, rollupFeeds: list.sort((a, b) => a.entity.localeCompare(b.entity) || a.field.localeCompare(b.field)) } : rest;
  });
}

/**
 * Roll-ups of a model's entities: their entities, relations and fields, and that their filters
 * compile. Composing a pack runs it; a caller that builds a model another way (the designer) should too.
 */
export function checkRollups(entities: readonly EntityModel[]): PackIssue[] {
  const issues: PackIssue[] = [];
  for (const entity of entities) {
    const file = `entities/${entity.name}.json`;
    const problems = rollupProblems(entity, entities, { isMissing: () => true });
    for (const problem of problems) issues.push({ file, ...problem });
    for (const field of entity.fields) {
      const rollup = field.computed?.kind === 'rollup' ? field.computed : null;
      const source = rollup ? entities.find((e) => e.name === rollup.entity) : undefined;
      if (!rollup || rollup.filter === null || !source) continue;
      try {
        compileFilter(source, rollup.filter);
      } catch (error) {
        if (!(error instanceof ListQueryError)) throw error;
        issues.push({ file, pointer: `/properties/${field.name}/x-rollup${error.path}`, message: `the roll-up "${field.name}": ${error.message}` });
      }
    }
  }
  return issues;
}

export type ComposeResult = { readonly ok: true; readonly model: Model } | { readonly ok: false; readonly issues: readonly PackIssue[] };

/** `base` with `pack` installed (or upgraded): checks what only the whole deployment can tell. */
export function composeModel(base: Model, pack: PackModel): ComposeResult {
  const issues: PackIssue[] = [];
  for (const requirement of pack.info.requires) {
    const installed = base.packs.find((p) => p.name === requirement.name);
    if (!installed) {
      issues.push({ file: 'pack.json', pointer: `/requires/packs/${requirement.name}`, message: `this pack requires pack "${requirement.name}" (${requirement.range}), which is not installed; apply it first` });
    } else if (!satisfies(installed.version, requirement.range)) {
      issues.push({ file: 'pack.json', pointer: `/requires/packs/${requirement.name}`, message: `this pack requires pack "${requirement.name}" ${requirement.range}, but ${installed.version} is installed` });
    }
  }

  const kept = base.entities.filter((e) => (e.pack ?? null) !== pack.info.name);
  const owned = pack.entities.map((e) => ({ ...e, pack: pack.info.name }));
  for (const entity of owned) {
    const clash = kept.find((e) => e.name === entity.name || entity.renamedFrom.includes(e.name));
    if (clash) {
      issues.push({ file: `entities/${entity.name}.json`, pointer: '/$id', message: `entity "${clash.name}" already exists and belongs to ${clash.pack ? `pack "${clash.pack}"` : 'the designer'}` });
    }
  }
  const all = [...kept, ...owned];
  const names = new Set(all.map((e) => e.name));
  for (const entity of owned) {
    for (const field of entity.fields) {
      if (field.relation && !names.has(field.relation.entity)) {
        issues.push({ file: `entities/${entity.name}.json`, pointer: `/properties/${field.name}/x-ref`, message: `field "${field.name}" refers to entity "${field.relation.entity}", which neither this pack nor an installed one defines` });
      }
    }
  }
  const keptWorkflows = base.workflows.filter((w) => w.pack !== pack.info.name);
  const ownedWorkflows = pack.workflows.map((w) => ({ ...w, pack: pack.info.name }));
  for (const workflow of ownedWorkflows) {
    const clash = keptWorkflows.find((w) => w.name === workflow.name);
    if (clash) {
      issues.push({ file: `workflows/${workflow.name}.json`, pointer: '/name', message: `workflow "${clash.name}" already exists and belongs to ${clash.pack ? `pack "${clash.pack}"` : 'the designer'}` });
    }
  }
  issues.push(...checkRollups(all));
  if (issues.length > 0) return { ok: false, issues };
  const packs = [...base.packs.filter((p) => p.name !== pack.info.name), pack.info];
  return { ok: true, model: buildModel(packs, all, [...keptWorkflows, ...ownedWorkflows]) };
}

/** Enough of semver ranges for pack requirements: `*`, exact, `^x.y.z`, `~x.y.z`, `>=x.y.z`. */
export function satisfies(version: string, range: string): boolean {
  const v = parseVersion(version);
  if (!v) return false;
  return range
    .split('||')
    .map((r) => r.trim())
    .some((r) => satisfiesOne(v, r));
}

function satisfiesOne(v: readonly [number, number, number], range: string): boolean {
  if (range === '*' || range === '') return true;
  const parts = range.split(/\s+/).filter(Boolean);
  if (parts.length > 1) return parts.every((p) => satisfiesOne(v, p));
  const match = /^(\^|~|>=|>|<=|<|=)?\s*v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?$/.exec(range);
  if (!match) return false;
  const op = match[1] ?? '=';
  const r: [number, number, number] = [Number(match[2]), wildcard(match[3]), wildcard(match[4])];
  const cmp = compare(v, r.map((n) => (n < 0 ? 0 : n)) as [number, number, number]);
  switch (op) {
    case '^':
      return cmp >= 0 && (r[0] > 0 ? v[0] === r[0] : r[1] > 0 ? v[0] === 0 && v[1] === r[1] : v[0] === 0 && v[1] === 0 && v[2] === Math.max(r[2], 0));
    case '~':
      return cmp >= 0 && v[0] === r[0] && (r[1] < 0 || v[1] === r[1]);
    case '>=':
      return cmp >= 0;
    case '>':
      return cmp > 0;
    case '<=':
      return cmp <= 0;
    case '<':
      return cmp < 0;
    default:
      return v[0] === r[0] && (r[1] < 0 || v[1] === r[1]) && (r[2] < 0 || v[2] === r[2]);
  }
}

function wildcard(part: string | undefined): number {
  return part === undefined || part === 'x' || part === '*' ? -1 : Number(part);
}

function parseVersion(version: string): [number, number, number] | null {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
