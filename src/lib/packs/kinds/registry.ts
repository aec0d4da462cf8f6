/**
 * Every kind of file a pack may hold, in load order (a kind sees what the kinds before it found).
 * A new kind (pipelines, loyalty, reports, dashboards, roles) is one module and one line here;
 * the `satisfies` makes a name without a module, or a module without a name, a compile error.
 */
import { dataKind } from './data.ts';
import { docsKind } from './docs.ts';
import { entitiesKind } from './entities.ts';
import { i18nKind } from './i18n.ts';
import { importsKind } from './imports.ts';
import { manifestKind } from './manifest.ts';
import type { PackFileKind, PackFileKindName } from './pack-file-kind.ts';
import { rolesKind } from './roles.ts';
import { workflowsKind } from './workflows.ts';

export const PACK_FILE_KINDS = {
  manifest: manifestKind,
  entities: entitiesKind,
  workflows: workflowsKind,
  roles: rolesKind,
  i18n: i18nKind,
  data: dataKind,
  imports: importsKind,
  docs: docsKind,
} as const satisfies { readonly [K in PackFileKindName]: PackFileKind & { readonly name: K } };

/** The kind a path in a pack belongs to, or null when a pack cannot hold it. */
export function classifyPackFile(path: string): PackFileKind | null {
  return Object.values(PACK_FILE_KINDS).find((kind) => kind.pattern.test(path)) ?? null;
}
