/**
 * Test support: entities of the b2b-sales pack, and small entities built from property schemas,
 * normalised by the real loader. Reads files with node:fs — never import it from app code.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadPack } from '../model/load-pack.ts';
import type { EntityModel } from '../model/types.ts';

const PACK_DIR = fileURLToPath(new URL('../../../packs/b2b-sales/', import.meta.url));

let b2b: readonly EntityModel[] | null = null;

export function b2bEntity(name: string): EntityModel {
  if (!b2b) {
    const result = loadPack({
      manifest: { path: 'pack.json', text: readFileSync(PACK_DIR + 'pack.json', 'utf8') },
      entities: readdirSync(PACK_DIR + 'entities')
        .filter((file) => file.endsWith('.json'))
        .map((file) => ({ path: `entities/${file}`, text: readFileSync(`${PACK_DIR}entities/${file}`, 'utf8') })),
    });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    b2b = result.pack.entities;
  }
  const entity = b2b.find((e) => e.name === name);
  if (!entity) throw new Error(`no entity ${name} in b2b-sales`);
  return entity;
}

/** One entity from an authored document (`$id` defaults to "thing"). */
export function entityOf(doc: Record<string, unknown>): EntityModel {
  const result = loadPack({
    manifest: { path: 'pack.json', text: JSON.stringify({ name: 't', version: '1.0.0', title: 'T' }) },
    entities: [{ path: 'entities/thing.json', text: JSON.stringify({ $id: 'thing', type: 'object', ...doc }) }],
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  const entity = result.pack.entities[0];
  if (!entity) throw new Error('no entity');
  return entity;
}

/** A FormData stand-in from name → value(s). */
export function formData(entries: Readonly<Record<string, string | readonly string[]>>): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(entries)) {
    for (const v of typeof value === 'string' ? [value] : value) data.append(name, v);
  }
  return data;
}
