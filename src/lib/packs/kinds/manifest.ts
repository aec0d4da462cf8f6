/** `pack.json`: name, version, title and description per language, requires, locales. */
import packMetaSchema from '../../../../schemas/pack.schema.json' with { type: 'json' };
import { checkAgainst, packManifest, parseJson } from '../../model/load-pack.ts';
import type { JsonObject } from '../../model/types.ts';
import { metaValidator } from '../meta-validators.ts';
import { packJson } from '../pack-json.ts';
import { isVersionRange } from '../semver.ts';
import type { PackFileKind } from './pack-file-kind.ts';

export const MANIFEST_PATH = 'pack.json';

export const manifestKind = {
  name: 'manifest',
  layout: 'pack.json',
  pattern: /^pack\.json$/,
  format: 'json',
  maxBytes: 100_000,
  metaSchema: 'pack.schema.json',
  merge: { mode: 'incoming' },
  load(files, context) {
    const file = files[0];
    if (!file) {
      context.report(MANIFEST_PATH, '', 'the pack has no pack.json manifest');
      return {};
    }
    const doc = parseJson(file, context.report);
    if (doc === undefined || !checkAgainst(metaValidator(packMetaSchema), doc, file.path, context.report)) return {};
    const manifest = packManifest(doc as JsonObject);
    let ok = true;
    if (manifest.platform !== null && !isVersionRange(manifest.platform)) {
      context.report(file.path, '/requires/platform', `"${manifest.platform}" is not a version range (e.g. ^1.2.0, >=1.0.0 <2.0.0)`);
      ok = false;
    }
    for (const requirement of manifest.info.requires) {
      if (!isVersionRange(requirement.range)) {
        context.report(file.path, `/requires/packs/${requirement.name}`, `"${requirement.range}" is not a version range (e.g. ^1.2.0, >=1.0.0 <2.0.0)`);
        ok = false;
      }
      if (requirement.name === manifest.info.name) {
        context.report(file.path, `/requires/packs/${requirement.name}`, 'a pack cannot require itself');
        ok = false;
      }
    }
    return ok ? { manifest } : {};
  },
  export({ model, packName, installed }) {
    const file = installed?.find((f) => f.path === MANIFEST_PATH);
    if (file) return [{ path: MANIFEST_PATH, text: packJson(JSON.parse(file.text)) }];
    // Installed before installs were recorded: what the model knows of the manifest.
    const info = model.packs.find((p) => p.name === packName);
    if (!info) return [];
    const requires = info.requires.length > 0 ? { requires: { packs: Object.fromEntries(info.requires.map((r) => [r.name, r.range])) } } : {};
    return [{ path: MANIFEST_PATH, text: packJson({ name: info.name, version: info.version, title: info.title, locales: info.locales, ...requires }) }];
  },
} as const satisfies PackFileKind;
