/**
 * The names an expression over an entity's records may use, and the values for one record.
 * Field types map to expression types through the registry (`FieldType.expressionType`).
 *
 *   const scope = scopeForEntity(deal, { withOld: true });       // stage, amount …, old.stage …
 *   evaluate(compiled, varsForRecord(deal, record, { old: before }));
 */
import { FIELD_TYPES } from '../fields/registry.ts';
import type { EntityModel, JsonValue } from '../model/types.ts';
import type { ExprType, ExprVars, ScopeSpec } from './types.ts';

/** Every record has these; their names are refused as field names, so they never clash. */
export const SYSTEM_FIELD_TYPES: Readonly<Record<string, ExprType>> = Object.freeze({
  id: 'text',
  owner: 'text',
  created_by: 'text',
  created_at: 'datetime',
  updated_at: 'datetime',
  version: 'number',
});

export const USER_FIELD_TYPES: Readonly<Record<string, ExprType>> = Object.freeze({ id: 'text', name: 'text', email: 'text' });

function nullRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

function recordFields(entity: EntityModel): Readonly<Record<string, ExprType>> {
  const fields = nullRecord<ExprType>();
  Object.assign(fields, SYSTEM_FIELD_TYPES);
  for (const field of entity.fields) fields[field.name] = FIELD_TYPES[field.type].expressionType;
  return Object.freeze(fields);
}

const plainScopes = new WeakMap<EntityModel, Map<string, ScopeSpec>>();

/**
 * The scope of an entity's records: each field typed by its field type, plus the system fields;
 * `withOld` adds `old.<field>` (the record before an update), `withUser` adds `user.id/name/email`.
 * Scopes without extra objects are cached per entity, so the compile cache can key them cheaply.
 */
export function scopeForEntity(
  entity: EntityModel,
  options: { readonly withOld?: boolean; readonly withUser?: boolean; readonly extraObjects?: Record<string, Record<string, ExprType>> } = {},
): ScopeSpec {
  const cacheKey = options.extraObjects ? null : `${options.withOld === true}|${options.withUser === true}`;
  if (cacheKey !== null) {
    const hit = plainScopes.get(entity)?.get(cacheKey);
    if (hit) return hit;
  }
  const variables = recordFields(entity);
  const objects = nullRecord<Readonly<Record<string, ExprType>>>();
  if (options.withOld) objects.old = variables;
  if (options.withUser) objects.user = USER_FIELD_TYPES;
  for (const [name, fields] of Object.entries(options.extraObjects ?? {})) {
    objects[name] = Object.freeze(Object.assign(nullRecord<ExprType>(), fields));
  }
  const scope: ScopeSpec = Object.freeze({ variables, objects: Object.freeze(objects) });
  if (cacheKey !== null) {
    let perEntity = plainScopes.get(entity);
    if (!perEntity) {
      perEntity = new Map();
      plainScopes.set(entity, perEntity);
    }
    perEntity.set(cacheKey, scope);
  }
  return scope;
}

function pick(entity: EntityModel, record: Readonly<Record<string, JsonValue>>): Record<string, JsonValue> {
  const out = nullRecord<JsonValue>();
  for (const name of Object.keys(SYSTEM_FIELD_TYPES)) out[name] = Object.hasOwn(record, name) ? (record[name] ?? null) : null;
  for (const field of entity.fields) out[field.name] = Object.hasOwn(record, field.name) ? (record[field.name] ?? null) : null;
  return out;
}

/** Record JSON (as the API returns it) → the values of {@link scopeForEntity}'s names. */
export function varsForRecord(
  entity: EntityModel,
  record: Readonly<Record<string, JsonValue>>,
  extras: {
    old?: Readonly<Record<string, JsonValue>> | null;
    user?: { id: string; name: string; email: string } | null;
    objects?: Record<string, Readonly<Record<string, JsonValue>> | null>;
  } = {},
): ExprVars {
  const objects = nullRecord<Readonly<Record<string, JsonValue>> | null>();
  if (extras.old !== undefined) objects.old = extras.old === null ? null : pick(entity, extras.old);
  if (extras.user !== undefined) objects.user = extras.user === null ? null : Object.assign(nullRecord<JsonValue>(), { id: extras.user.id, name: extras.user.name, email: extras.user.email });
  for (const [name, value] of Object.entries(extras.objects ?? {})) objects[name] = value;
  return { variables: pick(entity, record), objects };
}
