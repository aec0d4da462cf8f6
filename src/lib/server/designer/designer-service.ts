/**
 * Entity changes made in the designer: one entity document in, the deployment's model with that
 * entity replaced out, then the same plan → apply path packs take (source `designer`).
 *
 *   const planned = await planEntityChange(database, { document, previousName: 'contact' }, admin.id);
 *   if (planned.ok) show(planned.result.outcomes);   // a dry run: nothing changed
 *   const applied = await applyEntityChange(database, { document, previousName: 'contact', allowDestructive: true }, admin.id);
 *
 * An entity made here belongs to no pack (`pack: null`); an edited one keeps its pack.
 */
import { buildModel, checkRollups } from '../../model/compose-model.ts';
import { checkWorkflows } from '../rules/check-workflows.ts';
import { loadEntityDocuments } from '../../model/load-pack.ts';
import { findEntity, type EntityModel, type JsonObject, type JsonValue, type Model } from '../../model/types.ts';
import type { Database } from '../db/database.ts';
import { applyModel, type ApplyResult } from '../schema/apply.ts';
import { loadCurrentModel, type StoredModel } from '../schema/model-store.ts';

export const DESIGNER_SOURCE = 'designer';

export interface DesignerIssue {
  /** JSON pointer into the entity document ('' for the whole document). */
  readonly pointer: string;
  /** `entity.field` an issue is about, when it is about a field of another entity. */
  readonly field: string | null;
  readonly message: string;
}

export const DESIGNER_ERROR_CODES = ['invalid', 'not-found', 'exists', 'in-use', 'conflict'] as const;
export type DesignerErrorCode = (typeof DESIGNER_ERROR_CODES)[number];

export interface DesignerError {
  readonly code: DesignerErrorCode;
  readonly message: string;
  readonly issues: readonly DesignerIssue[];
}

export type DesignerResult = { readonly ok: true; readonly entity: string; readonly result: ApplyResult } | { readonly ok: false; readonly error: DesignerError };

export interface EntityChange {
  /** The entity document (JSON Schema), as the designer or an API caller wrote it. */
  readonly document: unknown;
  /** The entity's name in the current model when editing it; absent when creating one. */
  readonly previousName?: string;
  /** The model version the change was reviewed against; a newer one refuses with `conflict`. */
  readonly expectedVersion?: number;
}

/** The entity document as the designer edits it: properties in field order. */
export function entityDocument(entity: EntityModel): JsonObject {
  // jsonb does not keep key order; the fields array does.
  return { ...entity.schema, properties: Object.fromEntries(entity.fields.map((f) => [f.name, f.schema])) };
}

/** The stored entity's document, or null when there is none of that name. */
export async function getEntityDocument(database: Database, name: string): Promise<{ entity: EntityModel; version: number; document: JsonObject } | null> {
  const current = await loadCurrentModel(database.db);
  const entity = findEntity(current.model, name);
  return entity ? { entity, version: current.version, document: entityDocument(entity) } : null;
}

/** The plan of a change (a dry run): what would happen, with affected row counts. */
export async function planEntityChange(database: Database, change: EntityChange, actorId: string | null): Promise<DesignerResult> {
  return run(database, await composeChange(database, change), { actorId, dryRun: true, allowDestructive: false });
}

/** Applies a change in one transaction; destructive steps need `allowDestructive`. */
export async function applyEntityChange(database: Database, change: EntityChange & { readonly allowDestructive: boolean }, actorId: string | null): Promise<DesignerResult> {
  return run(database, await composeChange(database, change), { actorId, dryRun: false, allowDestructive: change.allowDestructive });
}

/** Removes an entity; its table goes to the archive schema (needs `allowDestructive`). */
export async function removeEntity(
  database: Database,
  name: string,
  options: { readonly allowDestructive: boolean; readonly dryRun?: boolean; readonly expectedVersion?: number },
  actorId: string | null,
): Promise<DesignerResult> {
  const current = await loadCurrentModel(database.db);
  const composed = ((): Composed => {
    const stale = staleVersion(current, options.expectedVersion);
    if (stale) return stale;
    const entity = findEntity(current.model, name);
    if (!entity) return notFound(name);
    const links = linksTo(current.model, name, name);
    if (links.length > 0) return inUse(name, links, 'remove');
    const users = current.model.workflows.filter((w) => w.entity === name).map((w) => w.name);
    if (users.length > 0) return { ok: false, error: { code: 'in-use', message: `${name} cannot be removed: workflows ${users.join(', ')} run on it; remove or change them first`, issues: [] } };
    const model = buildModel(current.model.packs, current.model.entities.filter((e) => e !== entity), current.model.workflows, current.model.roles);
    return { ok: true, model, entity: name, touches: new Set([name]) };
  })();
  return run(database, composed, { actorId, dryRun: options.dryRun ?? false, allowDestructive: options.allowDestructive });
}

// ---------------------------------------------------------------------------------------------

type Composed = { readonly ok: true; readonly model: Model; readonly entity: string; readonly touches: ReadonlySet<string> } | { readonly ok: false; readonly error: DesignerError };

async function composeChange(database: Database, change: EntityChange): Promise<Composed> {
  const current = await loadCurrentModel(database.db);
  const stale = staleVersion(current, change.expectedVersion);
  if (stale) return stale;

  const document = plainDocument(change.document);
  if (!document) return invalid([{ pointer: '', field: null, message: 'the entity document must be a JSON object' }]);
  const name = typeof document.$id === 'string' ? document.$id : '';
  const previous = change.previousName;
  const existing = previous === undefined ? undefined : findEntity(current.model, previous);
  if (previous !== undefined && !existing) return notFound(previous);

  // A rename is declared, so the planner moves the table instead of dropping it.
  if (previous !== undefined && name !== previous) {
    const earlier = Array.isArray(document['x-renamed-from']) ? document['x-renamed-from'] : [];
    if (!earlier.includes(previous)) document['x-renamed-from'] = [...earlier, previous];
  }

  const loaded = loadEntityDocuments([{ path: `entities/${/^[a-z][a-z0-9_]*$/.test(name) ? name : 'entity'}.json`, text: JSON.stringify(document) }]);
  if (!loaded.ok) return invalid(loaded.issues.map((i) => ({ pointer: i.pointer, field: null, message: i.message })));
  const entity = loaded.entities[0];
  if (!entity) return invalid([{ pointer: '', field: null, message: 'the entity document describes no entity' }]);

  const others = current.model.entities.filter((e) => e !== existing);
  const clash = others.find((e) => e.name === entity.name);
  if (clash) {
    const message = `entity "${clash.name}" already exists${clash.pack ? ` (pack "${clash.pack}")` : ''}; choose another name or edit that entity`;
    return { ok: false, error: { code: 'exists', message, issues: [{ pointer: '/$id', field: null, message }] } };
  }
  const claimed = others.find((e) => entity.renamedFrom.includes(e.name));
  if (claimed) {
    return invalid([{ pointer: '/x-renamed-from', field: null, message: `x-renamed-from names "${claimed.name}", which is another entity that still exists` }]);
  }
  if (existing && existing.name !== entity.name) {
    const links = linksTo(current.model, existing.name, existing.name);
    if (links.length > 0) return inUse(existing.name, links, 'rename');
  }

  const names = new Set([...others.map((e) => e.name), entity.name]);
  const dangling = entity.fields.filter((f) => f.relation && !names.has(f.relation.entity));
  if (dangling.length > 0) {
    return invalid(dangling.map((f) => ({ pointer: `/properties/${f.name}/x-ref`, field: null, message: `field "${f.name}" links to entity "${f.relation?.entity}", which does not exist` })));
  }

  const owned: EntityModel = { ...entity, pack: existing?.pack ?? null };
  const entities = existing ? current.model.entities.map((e) => (e === existing ? owned : e)) : [...current.model.entities, owned];
  const model = buildModel(current.model.packs, entities, current.model.workflows, current.model.roles);
  // Roll-ups read other entities: only the whole model can tell whether they still make sense.
  const rollups = checkRollups(model.entities);
  if (rollups.length > 0) return invalid(rollups.map((i) => ({ pointer: i.file === `entities/${entity.name}.json` ? i.pointer : '', field: null, message: i.file === `entities/${entity.name}.json` ? i.message : `${i.file.replace(/^entities\/|\.json$/g, '')}${i.pointer}: ${i.message}` })));
  // A change that would break a workflow (a field it uses removed or renamed) is refused, naming it.
  const broken = checkWorkflows(model);
  if (broken.length > 0) return invalid(broken.map((i) => ({ pointer: '', field: null, message: `workflow ${i.file.replace(/^workflows\/|\.json$/g, '')}${i.pointer}: ${i.message}` })));
  return { ok: true, model, entity: entity.name, touches: new Set([entity.name, ...(existing ? [existing.name] : [])]) };
}

/** Thrown inside the apply transaction (rolling it back) when a step reaches another entity. */
class ForeignStep extends Error {}

async function run(database: Database, composed: Composed, options: { readonly actorId: string | null; readonly dryRun: boolean; readonly allowDestructive: boolean }): Promise<DesignerResult> {
  if (!composed.ok) return composed;
  const { model, touches } = composed;
  let result: ApplyResult;
  try {
    result = await applyModel(database, {
      model,
      source: DESIGNER_SOURCE,
      actorId: options.actorId,
      allowDestructive: options.allowDestructive,
      dryRun: options.dryRun,
      // The model was composed from the version read above; a step on any other entity means
      // someone changed the model in between, and running it would undo their change.
      beforeStep: (step) => {
        if (!touches.has(step.entity)) throw new ForeignStep(step.entity);
      },
    });
  } catch (error) {
    if (error instanceof ForeignStep) return conflict();
    throw error;
  }
  if (result.outcomes.some((o) => !touches.has(o.step.entity))) return conflict();
  return { ok: true, entity: composed.entity, result };
}

// ---------------------------------------------------------------------------------------------

/** A JSON copy of the input (never the caller's object), or null when it is not an object. */
function plainDocument(input: unknown): Record<string, JsonValue> | null {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return null;
  try {
    // Not canonicalJson: the order of `properties` is the order of the fields.
    return JSON.parse(JSON.stringify(input)) as Record<string, JsonValue>;
  } catch {
    return null;
  }
}

/** `entity.field` of every relation in other entities that points at `target`. */
/** Fields of other entities that refer to `target`: relations to it and roll-ups over it. */
function linksTo(model: Model, target: string, self: string): string[] {
  return model.entities
    .filter((e) => e.name !== self)
    .flatMap((e) => e.fields.filter((f) => f.relation?.entity === target || (f.computed?.kind === 'rollup' && f.computed.entity === target)).map((f) => `${e.name}.${f.name}`));
}

function staleVersion(current: StoredModel, expected: number | undefined): Composed | null {
  return expected !== undefined && expected !== current.version ? conflict() : null;
}

function conflict(): { ok: false; error: DesignerError } {
  const message = 'the model was changed by someone else since this change was prepared; review it again';
  return { ok: false, error: { code: 'conflict', message, issues: [] } };
}

function invalid(issues: readonly DesignerIssue[]): { ok: false; error: DesignerError } {
  return { ok: false, error: { code: 'invalid', message: issues.map((i) => `${i.pointer}: ${i.message}`).join('; '), issues } };
}

function notFound(name: string): { ok: false; error: DesignerError } {
  return { ok: false, error: { code: 'not-found', message: `there is no entity named "${name}"`, issues: [] } };
}

function inUse(name: string, links: readonly string[], what: 'remove' | 'rename'): { ok: false; error: DesignerError } {
  const message = `cannot ${what} entity "${name}": ${links.join(', ')} ${links.length === 1 ? 'links to it or rolls it up' : 'link to it or roll it up'}; change or remove ${links.length === 1 ? 'that field' : 'those fields'} first`;
  return { ok: false, error: { code: 'in-use', message, issues: links.map((field) => ({ pointer: '', field, message: `${field} links to "${name}"` })) } };
}
