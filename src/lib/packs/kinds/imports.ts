/**
 * `imports/<name>.json`: saved column mappings for `peyvand data import` and the import page
 * (schemas/import-mapping.schema.json). Checked here for what the pack can tell: the document's
 * form, and that it imports into an entity the pack defines.
 */
import importMappingMetaSchema from '../../../../schemas/import-mapping.schema.json' with { type: 'json' };
import { checkAgainst, parseJson } from '../../model/load-pack.ts';
import { metaValidator } from '../meta-validators.ts';
import { baseName, filesAsInstalled } from './installed-files.ts';
import type { PackFileKind } from './pack-file-kind.ts';

const PATTERN = /^imports\/[^/]+\.json$/;
const NAME = /^[a-z][a-z0-9_-]{0,62}$/;

export const importsKind = {
  name: 'imports',
  layout: 'imports/<name>.json',
  pattern: PATTERN,
  format: 'json',
  maxBytes: 1_000_000,
  metaSchema: 'import-mapping.schema.json',
  merge: { mode: 'incoming' },
  load(files, context) {
    const mayUseOthers = (context.manifest?.info.requires.length ?? 0) > 0;
    for (const file of files) {
      const name = baseName(file.path);
      if (!NAME.test(name)) context.report(file.path, '', `"${name}" is not a valid template name (lower-case letters, digits, _ and -)`);
      const doc = parseJson(file, context.report);
      if (doc === undefined || !checkAgainst(metaValidator(importMappingMetaSchema), doc, file.path, context.report)) continue;
      const { entity, name: declared } = doc as { entity: string; name?: string };
      if (declared !== undefined && declared !== name) context.report(file.path, '/name', `the template is named "${declared}" but its file is named "${name}.json"; they must match`);
      if (!context.declaredEntities.has(entity) && !mayUseOthers) context.report(file.path, '/entity', `entity "${entity}" is not defined by this pack`);
    }
    return {};
  },
  export: (input) => filesAsInstalled({ pattern: PATTERN, format: 'json' }, input),
} as const satisfies PackFileKind;
