/**
 * `roles/<name>.json`: what holders of a role may do per entity (schemas/role.schema.json). Checked
 * here for what the pack can tell: the document's form, its name, and that the entities and fields
 * it names exist in the pack (those of required packs are checked when composing the model).
 * Model-backed: an export writes the role as the deployment has it, so an administrator's edit of
 * a pack role is part of the pack's export and survives an upgrade through the three-way merge.
 */
import roleMetaSchema from '../../../../schemas/role.schema.json' with { type: 'json' };
import { normaliseRole, roleDocument, roleProblems, type RoleDefinition, type RoleModel } from '../../access/role-model.ts';
import { deepFreeze } from '../../model/canonical-json.ts';
import { checkAgainst, parseJson, type PackIssue, type SourceFile } from '../../model/load-pack.ts';
import type { EntityModel } from '../../model/types.ts';
import { metaValidator } from '../meta-validators.ts';
import { packJson } from '../pack-json.ts';
import { baseName } from './installed-files.ts';
import type { PackFileKind } from './pack-file-kind.ts';

export function rolePath(name: string): string {
  return `roles/${name}.json`;
}

/** The file text of a role, as an export writes it. */
export function roleFileText(role: RoleModel): string {
  return packJson(roleDocument(role));
}

export type LoadRolesResult = { readonly ok: true; readonly roles: readonly RoleModel[] } | { readonly ok: false; readonly issues: readonly PackIssue[] };

/**
 * Role documents → normalised roles, or every problem (file, pointer, reason). `entities` are the
 * ones the roles are checked against; `isElsewhere(name)` says an entity missing from them may be
 * defined elsewhere (a required pack, or an entity of this pack with problems of its own).
 *
 *   const loaded = loadRoleDocuments([{ path: 'roles/sales_rep.json', text }], { pack: null, entities: model.entities });
 */
export function loadRoleDocuments(
  files: readonly SourceFile[],
  options: { readonly pack: string | null; readonly entities: readonly EntityModel[]; readonly isElsewhere?: (entity: string) => boolean },
): LoadRolesResult {
  const issues: PackIssue[] = [];
  const report = (file: string, pointer: string, message: string) => issues.push({ file, pointer, message });
  const roles: RoleModel[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const doc = parseJson(file, report);
    if (doc === undefined || !checkAgainst(metaValidator(roleMetaSchema), doc, file.path, report)) continue;
    const role = normaliseRole(doc as RoleDefinition, options.pack);
    const expected = baseName(file.path);
    if (expected !== role.name) report(file.path, '/name', `the role is named "${role.name}" but its file is named "${expected}.json"; they must match`);
    const other = seen.get(role.name);
    if (other) report(file.path, '/name', `role "${role.name}" is also defined in ${other}`);
    seen.set(role.name, file.path);
    for (const problem of roleProblems(role, options.entities)) {
      const entity = problem.pointer.split('/')[2] ?? '';
      const isKnown = options.entities.some((e) => e.name === entity);
      if (!isKnown && options.isElsewhere?.(entity)) continue;
      report(file.path, problem.pointer, problem.message);
    }
    roles.push(role);
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, roles: deepFreeze(roles) };
}

export const rolesKind = {
  name: 'roles',
  layout: 'roles/<name>.json',
  pattern: /^roles\/[^/]+\.json$/,
  format: 'json',
  maxBytes: 1_000_000,
  metaSchema: 'role.schema.json',
  merge: { mode: 'three-way', rules: { collections: [] }, identity: { key: 'name', renamedFrom: null, path: rolePath } },
  load(files, context) {
    const mayUseOthers = (context.manifest?.info.requires.length ?? 0) > 0;
    const loaded = loadRoleDocuments(files, {
      pack: context.manifest?.info.name ?? null,
      entities: context.entities,
      isElsewhere: (entity) => mayUseOthers || context.declaredEntities.has(entity),
    });
    if (!loaded.ok) {
      for (const issue of loaded.issues) context.report(issue.file, issue.pointer, issue.message);
      return {};
    }
    return { roles: loaded.roles };
  },
  export({ model, packName }) {
    // Models stored before roles existed have none.
    const roles: readonly RoleModel[] = (model as { readonly roles?: readonly RoleModel[] }).roles ?? [];
    return roles.filter((r) => r.pack === packName).map((r) => ({ path: rolePath(r.name), text: roleFileText(r) }));
  },
} as const satisfies PackFileKind;
