/**
 * Record- and field-level security: the part of the one policy that says WHICH records and WHICH
 * fields. `can()` (auth/permissions.ts) has already said whether the action is allowed on the
 * entity at all; the records service asks this module, with the same `Access`, on every path.
 *
 *   const where = recordScope(access, entity, 'read');         // null: every record
 *   const shown = visibleRecord(access, entity, record);      // hidden fields removed
 *   const issues = lockedFieldIssues(access, entity, input);  // refuses hidden / read-only fields
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import { hiddenFields as roleHiddenFields, lockedFields, rightsFor, type Access } from '../../access/access.ts';
import { compileExpression } from '../../expressions/compile-expression.ts';
import { scopeForEntity } from '../../expressions/scope-for-entity.ts';
import type { RecordScope } from '../../access/role-model.ts';
import { FIELD_TYPES } from '../../fields/registry.ts';
import type { EntityModel, JsonValue } from '../../model/types.ts';
import type { FieldIssue } from '../../records/validate-record.ts';
import { fieldColumns } from '../schema/plan.ts';

export type ScopedAction = 'read' | 'update' | 'delete';

/**
 * The rows of `entity` the user may act on, as a condition on its table (unqualified `owner` and
 * `id`); null when there is no limit. A share widens the scope for read (any share) and update
 * (an `edit` share), never for delete, and only where the role grants the action at all.
 */
export function recordScope(access: Access, entity: EntityModel, action: ScopedAction, options: { readonly shares?: boolean } = {}): Expression<SqlBool> | null {
  if (access.isAdmin) return null;
  const scope: RecordScope = rightsFor(access, entity.name)[action];
  if (scope === 'all') return null;
  if (scope === 'none' || access.userId === null) return sql<SqlBool>`false`;
  const owned = scope === 'own' ? sql<SqlBool>`owner = ${access.userId}::uuid` : sql<SqlBool>`owner = any(${sql.val(access.teams.users)}::uuid[])`;
  if (action === 'delete' || options.shares === false) return owned;
  const teams = access.teams.ancestors;
  const grantee =
    teams.length > 0 ? sql<SqlBool>`(s.user_id = ${access.userId}::uuid or s.team_id = any(${sql.val(teams)}::uuid[]))` : sql<SqlBool>`s.user_id = ${access.userId}::uuid`;
  const kind = action === 'update' ? sql<SqlBool>` and s.access = 'edit'` : sql<SqlBool>``;
  return sql<SqlBool>`(${owned} or id in (select s.record_id from peyvand.record_shares s where s.entity = ${entity.name} and ${grantee}${kind}))`;
}

const hiddenCache = new WeakMap<Access, WeakMap<EntityModel, ReadonlySet<string>>>();

/**
 * The fields of `entity` the user may not see: those their roles hide, and the computed fields
 * that would give them away — a roll-up over records the user cannot all read (its stored total
 * counts them) or over a hidden field, and a formula that reads a hidden field.
 */
export function hiddenFields(access: Access, entity: EntityModel): ReadonlySet<string> {
  if (access.isAdmin) return NOTHING;
  let perEntity = hiddenCache.get(access);
  if (!perEntity) {
    perEntity = new WeakMap();
    hiddenCache.set(access, perEntity);
  }
  const hit = perEntity.get(entity);
  if (hit) return hit;
  const hidden = new Set(roleHiddenFields(access, entity.name));
  for (const field of entity.fields) {
    const rollup = field.computed?.kind === 'rollup' ? field.computed : null;
    if (!rollup) continue;
    const over = rightsFor(access, rollup.entity).read !== 'all' || (rollup.field !== null && roleHiddenFields(access, rollup.entity).has(rollup.field));
    if (over) hidden.add(field.name);
  }
  const formulas = entity.fields.flatMap((f) => {
    if (f.computed?.kind !== 'formula') return [];
    const compiled = compileExpression(f.computed.expression, scopeForEntity(entity));
    return [{ name: f.name, reads: compiled.ok ? compiled.expression.references : [] }];
  });
  // A formula may read another formula: hide until nothing changes.
  for (let changed = true; changed; ) {
    changed = false;
    for (const formula of formulas) {
      if (!hidden.has(formula.name) && formula.reads.some((name) => hidden.has(name))) {
        hidden.add(formula.name);
        changed = true;
      }
    }
  }
  perEntity.set(entity, hidden);
  return hidden;
}

const NOTHING: ReadonlySet<string> = new Set();

/** True when no row is out of reach: the caller may skip the condition. */
export function seesEverything(access: Access, entity: EntityModel, action: ScopedAction): boolean {
  return recordScope(access, entity, action) === null;
}

/** The record without the fields the user may not see. */
export function visibleRecord<T extends Readonly<Record<string, JsonValue>>>(access: Access, entity: EntityModel, record: T): T {
  const hidden = hiddenFields(access, entity);
  if (hidden.size === 0) return record;
  const out: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(record)) if (!hidden.has(key)) out[key] = value;
  return out as T;
}

/** Changes of a history entry or event without hidden fields. */
export function visibleChanges<V>(access: Access, entity: EntityModel, changes: Readonly<Record<string, V>>): Record<string, V> {
  const hidden = hiddenFields(access, entity);
  return Object.fromEntries(Object.entries(changes).filter(([name]) => !hidden.has(name)));
}

/**
 * Issues for input keys the user may not write: a hidden field is reported exactly like a field
 * that does not exist (nothing is learnt about it), a read-only one says so.
 */
export function lockedFieldIssues(access: Access, entity: EntityModel, input: unknown, path = ''): FieldIssue[] {
  if (access.isAdmin || input === null || typeof input !== 'object' || Array.isArray(input)) return [];
  const hidden = hiddenFields(access, entity);
  const locked = new Set([...lockedFields(access, entity.name), ...hidden]);
  if (locked.size === 0) return [];
  const issues: FieldIssue[] = [];
  for (const key of Object.keys(input)) {
    if (!locked.has(key)) continue;
    issues.push(
      hidden.has(key)
        ? { path: `${path}/${key}`, field: null, message: `"${key}" is not a field of ${entity.name}` }
        : { path: `${path}/${key}`, field: key, message: `your role lets you read ${key} but not change it` },
    );
  }
  return issues;
}

/**
 * The entity as this user may know it: hidden fields removed, read-only ones marked read-only.
 * Forms, lists, exports, import mappings and `meta.model` are built from it.
 */
export function visibleEntity(access: Access, entity: EntityModel): EntityModel {
  if (access.isAdmin) return entity;
  const fields = rightsFor(access, entity.name).fields;
  const hidden = hiddenFields(access, entity);
  if (Object.keys(fields).length === 0 && hidden.size === 0) return entity;
  return {
    ...entity,
    fields: entity.fields.filter((f) => !hidden.has(f.name)).map((f) => (fields[f.name] === 'read' && !f.readOnly ? { ...f, readOnly: true } : f)),
    titleField: entity.titleField && hidden.has(entity.titleField) ? null : entity.titleField,
    defaultSort: entity.defaultSort.filter((s) => !hidden.has(s.field)),
  };
}

/**
 * The search text of a row over the fields the user may see, for users with hidden searchable
 * fields (the stored search column folds every field in, hidden ones too); null when the stored
 * column may be used.
 */
export function visibleSearchText(access: Access, entity: EntityModel): Expression<string> | null {
  const hidden = hiddenFields(access, entity);
  const searchableHidden = entity.fields.some((f) => hidden.has(f.name) && FIELD_TYPES[f.type].searchable);
  if (!searchableHidden) return null;
  const parts = entity.fields
    .filter((f) => !hidden.has(f.name) && FIELD_TYPES[f.type].searchable)
    .flatMap((f) => {
      const column = fieldColumns(f)[0];
      if (!column) return [];
      return [column.sqlType.endsWith('[]') ? sql`array_to_string(${sql.ref(column.name)}, ' ')` : sql`${sql.ref(column.name)}::text`];
    });
  return parts.length > 0 ? sql<string>`peyvand.search_text(concat_ws(' ', ${sql.join(parts)}))` : sql<string>`null::text`;
}
