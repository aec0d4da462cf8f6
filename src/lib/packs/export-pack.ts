/**
 * An installed pack as files: every kind writes its part — entities and workflows from the
 * model (with the changes admins made since), the other kinds as installed — in the canonical
 * form, so that export → apply on an empty database → export gives the same bytes.
 *
 *   const files = exportPackFiles({ model, packName: 'b2b-sales', installed: row?.files ?? null });
 */
import type { SourceFile } from '../model/load-pack.ts';
import { PACK_FILE_KINDS } from './kinds/registry.ts';
import type { PackExportInput, PackFileKind } from './kinds/pack-file-kind.ts';
import { sortFiles } from './pack-bundle.ts';

export function exportPackFiles(input: PackExportInput): SourceFile[] {
  const kinds: readonly PackFileKind[] = Object.values(PACK_FILE_KINDS);
  return sortFiles(kinds.flatMap((kind) => kind.export(input)));
}
