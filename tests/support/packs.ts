/** Builds packs and models in memory for tests. */
import { readFileSync } from 'node:fs';
import { loadPack, type PackModel } from '../../src/lib/model/load-pack.ts';
import { composeModel, buildModel } from '../../src/lib/model/compose-model.ts';
import type { Model } from '../../src/lib/model/types.ts';

export type EntityDoc = Record<string, unknown> & { $id: string };

export type WorkflowDoc = Record<string, unknown> & { name: string };

export function packOf(entities: readonly EntityDoc[], manifest: Record<string, unknown> = {}, workflows: readonly WorkflowDoc[] = []): PackModel {
  const result = loadPack({
    manifest: { path: 'pack.json', text: JSON.stringify({ name: 'test-pack', version: '1.0.0', title: 'Test pack', ...manifest }) },
    entities: entities.map((e) => ({ path: `entities/${e.$id}.json`, text: JSON.stringify(e) })),
    workflows: workflows.map((w) => ({ path: `workflows/${w.name}.json`, text: JSON.stringify(w) })),
  });
  if (!result.ok) throw new Error(`test pack is invalid:\n${result.issues.map((i) => `${i.file}${i.pointer}: ${i.message}`).join('\n')}`);
  return result.pack;
}

/** The model a single test pack makes on an empty deployment. */
export function modelOf(entities: readonly EntityDoc[], base: Model = buildModel([], [])): Model {
  const composed = composeModel(base, packOf(entities));
  if (!composed.ok) throw new Error(composed.issues.map((i) => i.message).join('\n'));
  return composed.model;
}

export function entity(id: string, properties: Record<string, unknown>, extra: Record<string, unknown> = {}): EntityDoc {
  return { $id: id, type: 'object', properties, ...extra };
}

/** The demo pack's version as its pack.json says (tests that name it follow the pack's upgrades). */
export const B2B_VERSION: string = (JSON.parse(readFileSync(new URL('../../packs/b2b-sales/pack.json', import.meta.url), 'utf8')) as { version: string }).version;
