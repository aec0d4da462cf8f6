/** `entities/<name>.json`: one JSON Schema document per entity (schemas/entity.schema.json). */
import { loadEntityFiles } from '../../model/load-pack.ts';
import type { EntityModel, JsonObject } from '../../model/types.ts';
import { packJson } from '../pack-json.ts';
import type { PackFileKind } from './pack-file-kind.ts';

/** The entity's document as the pack holds it: its schema with the fields in their order. */
export function entityPackDocument(entity: EntityModel): JsonObject {
  // jsonb does not keep key order; the fields array does.
  return { ...entity.schema, properties: Object.fromEntries(entity.fields.map((f) => [f.name, f.schema])) };
}

const KEEP_ORDER = ['/properties'] as const;

export const entitiesKind = {
  name: 'entities',
  layout: 'entities/<name>.json',
  pattern: /^entities\/[^/]+\.json$/,
  format: 'json',
  maxBytes: 1_000_000,
  metaSchema: 'entity.schema.json',
  keepOrder: KEEP_ORDER,
  merge: {
    mode: 'three-way',
    rules: { collections: [{ pointer: '/properties', renamedFrom: 'x-renamed-from', memberLists: ['required'] }] },
    identity: { key: '$id', renamedFrom: 'x-renamed-from', path: (name: string) => `entities/${name}.json` },
  },
  load(files, context) {
    const { entities, declared } = loadEntityFiles(files, context);
    return { entities, declaredEntities: declared };
  },
  export({ model, packName }) {
    return model.entities.filter((e) => e.pack === packName).map((e) => ({ path: `entities/${e.name}.json`, text: packJson(entityPackDocument(e), { keepOrder: KEEP_ORDER }) }));
  },
} as const satisfies PackFileKind;
