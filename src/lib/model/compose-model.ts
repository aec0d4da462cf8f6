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
import { roleProblems, type RoleModel } from '../access/role-model.ts';
import { PLATFORM_VERSION } from '../packs/platform-version.ts';
import { compareVersions, satisfies } from '../packs/semver.ts';

export function modelHash(packs: readonly PackInfo[], entities: readonly EntityModel[], workflows: readonly WorkflowModel[] = [], roles: readonly RoleModel[] = []): string {
  if (packs.length === 0 && entities.length === 0 && workflows.length === 0 && roles.length === 0) return EMPTY_MODEL_HASH;
  // Without workflows (or roles) the hash is what it was before they existed, so stored models keep theirs.
  const content = { packs, entities, ...(workflows.length > 0 ? { workflows } : {}), ...(roles.length > 0 ? { roles } : {}) };
  return bytesToHex(sha256(utf8ToBytes(canonicalJson(content, 0))));
}

export function buildModel(packs: readonly PackInfo[], entities: readonly EntityModel[], workflows: readonly WorkflowModel[] = [], roles: readonly RoleModel[] = []): Model {
  const sortedPacks = [...packs].sort((a, b) => a.name.localeCompare(b.name));
  const sortedWorkflows = [...workflows].sort((a, b) => a.name.localeCompare(b.name));
  const sortedRoles = [...roles].sort((a, b) => a.name.localeCompare(b.name));
  const withFeeds = withRollupFeeds(entities);
  return deepFreeze({ packs: sortedPacks, entities: withFeeds, workflows: sortedWorkflows, roles: sortedRoles, hash: modelHash(sortedPacks, withFeeds, sortedWorkflows, sortedRoles) });
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

export interface ComposeOptions {
  /** The platform's version, checked against the pack's `requires.platform` (default: this one). */
  readonly platformVersion?: string;
}

/**
 * `base` with `pack` installed (or upgraded): checks what only the whole deployment can tell —
 * the platform version and the packs it requires, the installed packs that require it, entities
 * and workflows others own, relations and roll-ups across packs.
 */
export function composeModel(base: Model, pack: PackModel, options: ComposeOptions = {}): ComposeResult {
  const issues: PackIssue[] = [];
  const platformVersion = options.platformVersion ?? PLATFORM_VERSION;
  if (pack.platform !== null && !satisfies(platformVersion, pack.platform)) {
    issues.push({ file: 'pack.json', pointer: '/requires/platform', message: `this pack requires Peyvand ${pack.platform}, but this is Peyvand ${platformVersion}` });
  }
  for (const installed of base.packs) {
    const requirement = installed.requires.find((r) => r.name === pack.info.name);
    if (installed.name !== pack.info.name && requirement && !satisfies(pack.info.version, requirement.range)) {
      const older = base.packs.find((p) => p.name === pack.info.name);
      const direction = older && compareVersions(pack.info.version, older.version) < 0 ? 'downgrade' : 'change';
      issues.push({
        file: 'pack.json',
        pointer: '/version',
        message: `installed pack "${installed.name}" requires ${pack.info.name} ${requirement.range}; this ${direction} to ${pack.info.version} would break it`,
      });
    }
  }
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
  // Models stored before roles existed have none.
  const baseRoles: readonly RoleModel[] = (base as { readonly roles?: readonly RoleModel[] }).roles ?? [];
  const keptRoles = baseRoles.filter((r) => (r.pack ?? null) !== pack.info.name);
  const ownedRoles = pack.roles.map((r) => ({ ...r, pack: pack.info.name }));
  for (const role of ownedRoles) {
    const file = `roles/${role.name}.json`;
    const clash = keptRoles.find((r) => r.name === role.name);
    if (clash) issues.push({ file, pointer: '/name', message: `role "${clash.name}" already exists and belongs to ${clash.pack ? `pack "${clash.pack}"` : 'the admin page'}` });
    // Entities of required packs are known only now.
    for (const problem of roleProblems(role, all)) issues.push({ file, ...problem });
  }
  issues.push(...checkRollups(all));
  if (issues.length > 0) return { ok: false, issues };
  const packs = [...base.packs.filter((p) => p.name !== pack.info.name), pack.info];
  return { ok: true, model: buildModel(packs, all, [...keptWorkflows, ...ownedWorkflows], [...keptRoles, ...ownedRoles]) };
}

export { satisfies } from '../packs/semver.ts';
