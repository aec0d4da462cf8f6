/**
 * Roles: what a person may do with each entity, authored as `roles/<name>.json` in a pack or in the
 * admin page, and normalised into a `RoleModel` that is part of the versioned model (like workflows).
 *
 *   {
 *     "name": "sales_rep", "title": "Sales rep", "x-labels": { "fa": "کارشناس فروش" },
 *     "entities": {
 *       "*":    { "read": "team" },
 *       "deal": { "create": true, "read": "own", "update": "own", "export": true,
 *                 "fields": { "close_value": "hidden", "probability": "read" } }
 *     }
 *   }
 *
 * A scope says which records: `none`, `own` (owner is the user), `team` (owner is in one of the
 * user's teams or their sub-teams) or `all`. `*` is the default for entities the role does not name.
 */
import type { LocalizedText } from '../model/types.ts';

export const RECORD_SCOPES = ['none', 'own', 'team', 'all'] as const;
export type RecordScope = (typeof RECORD_SCOPES)[number];

export const FIELD_ACCESS = ['hidden', 'read'] as const;
/** `hidden`: absent from everything the user receives; `read`: shown but not writable. */
export type FieldAccess = (typeof FIELD_ACCESS)[number];

/** The rights over one entity, as a role declares them (every key optional, defaults: nothing). */
export interface EntityRightsDefinition {
  readonly create?: boolean;
  readonly read?: RecordScope;
  readonly update?: RecordScope;
  readonly delete?: RecordScope;
  readonly export?: boolean;
  readonly import?: boolean;
  readonly fields?: Readonly<Record<string, FieldAccess>>;
}

/** A role file as a person writes it (checked by schemas/role.schema.json first). */
export interface RoleDefinition {
  readonly $schema?: string;
  readonly name: string;
  readonly title: string;
  readonly 'x-labels'?: LocalizedText;
  readonly description?: string;
  /** Holders administer the deployment: the model, users, roles, teams, packs and the audit trail. */
  readonly administer?: boolean;
  readonly entities: Readonly<Record<string, EntityRightsDefinition>>;
}

export interface EntityRights {
  readonly create: boolean;
  readonly read: RecordScope;
  readonly update: RecordScope;
  readonly delete: RecordScope;
  readonly export: boolean;
  readonly import: boolean;
  readonly fields: Readonly<Record<string, FieldAccess>>;
}

export interface RoleModel {
  readonly name: string;
  readonly title: LocalizedText;
  readonly description: string | null;
  readonly administer: boolean;
  /** Entity name (or `*`) → rights, keys sorted. */
  readonly entities: Readonly<Record<string, EntityRights>>;
  /** The pack that ships it; null for roles made in the admin page. */
  readonly pack?: string | null;
}

export const NO_RIGHTS: EntityRights = Object.freeze({ create: false, read: 'none', update: 'none', delete: 'none', export: false, import: false, fields: Object.freeze({}) });

/** Authored (already schema-checked) → normalised. Never mutates its input. */
export function normaliseRole(definition: RoleDefinition, pack: string | null = null): RoleModel {
  const entities: Record<string, EntityRights> = {};
  for (const name of Object.keys(definition.entities).sort()) {
    const rights = definition.entities[name] ?? {};
    const fields: Record<string, FieldAccess> = {};
    for (const field of Object.keys(rights.fields ?? {}).sort()) {
      const access = rights.fields?.[field];
      if (access) fields[field] = access;
    }
    entities[name] = {
      create: rights.create ?? false,
      read: rights.read ?? 'none',
      update: rights.update ?? 'none',
      delete: rights.delete ?? 'none',
      export: rights.export ?? false,
      import: rights.import ?? false,
      fields,
    };
  }
  return {
    name: definition.name,
    title: { en: definition.title, ...(definition['x-labels'] ?? {}) },
    description: definition.description ?? null,
    administer: definition.administer ?? false,
    entities,
    ...(pack === null ? {} : { pack }),
  };
}

/** Normalised → the file an export writes (the inverse of `normaliseRole`, defaults left out). */
export function roleDocument(role: RoleModel): RoleDefinition {
  const { en, ...labels } = role.title;
  const entities: Record<string, EntityRightsDefinition> = {};
  for (const [name, rights] of Object.entries(role.entities)) {
    entities[name] = {
      ...(rights.create ? { create: true } : {}),
      ...(rights.read !== 'none' ? { read: rights.read } : {}),
      ...(rights.update !== 'none' ? { update: rights.update } : {}),
      ...(rights.delete !== 'none' ? { delete: rights.delete } : {}),
      ...(rights.export ? { export: true } : {}),
      ...(rights.import ? { import: true } : {}),
      ...(Object.keys(rights.fields).length > 0 ? { fields: rights.fields } : {}),
    };
  }
  return {
    $schema: '../../../schemas/role.schema.json',
    name: role.name,
    title: en ?? role.name,
    ...(Object.keys(labels).length > 0 ? { 'x-labels': labels } : {}),
    ...(role.description ? { description: role.description } : {}),
    ...(role.administer ? { administer: true } : {}),
    entities,
  };
}

/** Names of entities and fields a role mentions that the model lacks ("where: why"), for checking on save. */
export function roleProblems(role: RoleModel, entities: readonly { readonly name: string; readonly fields: readonly { readonly name: string }[] }[]): { pointer: string; message: string }[] {
  const problems: { pointer: string; message: string }[] = [];
  for (const [name, rights] of Object.entries(role.entities)) {
    if (name === '*') {
      if (Object.keys(rights.fields).length > 0) problems.push({ pointer: '/entities/*/fields', message: 'field rules need a named entity, not "*"' });
      continue;
    }
    const entity = entities.find((e) => e.name === name);
    if (!entity) {
      problems.push({ pointer: `/entities/${name}`, message: `there is no entity named "${name}"` });
      continue;
    }
    for (const field of Object.keys(rights.fields)) {
      if (!entity.fields.some((f) => f.name === field)) problems.push({ pointer: `/entities/${name}/fields/${field}`, message: `${name} has no field "${field}"` });
    }
  }
  return problems;
}
