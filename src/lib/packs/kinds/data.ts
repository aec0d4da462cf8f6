/**
 * `data/<entity>.csv`: seed data, carried byte for byte. Checked here only for its entity; the
 * cells are parsed by the field types when the data is loaded (`server/packs/seed.ts`).
 */
import { baseName, filesAsInstalled } from './installed-files.ts';
import type { PackFileKind } from './pack-file-kind.ts';

const PATTERN = /^data\/[^/]+\.csv$/;

export const dataKind = {
  name: 'data',
  layout: 'data/<entity>.csv',
  pattern: PATTERN,
  format: 'text',
  maxBytes: 50_000_000,
  metaSchema: null,
  merge: { mode: 'incoming' },
  load(files, context) {
    const mayUseOthers = (context.manifest?.info.requires.length ?? 0) > 0;
    for (const file of files) {
      const entity = baseName(file.path);
      if (!context.declaredEntities.has(entity) && !mayUseOthers) {
        context.report(file.path, '', `seed data for entity "${entity}", which this pack does not define (the file is named after its entity)`);
      }
    }
    return {};
  },
  export: (input) => filesAsInstalled({ pattern: PATTERN, format: 'text' }, input),
} as const satisfies PackFileKind;
