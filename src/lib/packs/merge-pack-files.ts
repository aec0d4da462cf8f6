/**
 * An upgrade's files: for each kind an admin can change after installing (entities, workflows),
 * a three-way merge of each document — base: the pack as installed, mine: the deployment's
 * export of it, pack: the new version — matched by identity (an entity by `$id` or a name in
 * `x-renamed-from`, a workflow by name); for the other kinds the new version's files.
 *
 *   const merged = mergePackFiles({ base: installed, mine: exportPackFiles(...), pack: incoming, resolve });
 *   if (merged.conflicts.some((c) => c.resolution === null)) refuse();
 */
import type { SourceFile } from '../model/load-pack.ts';
import type { JsonValue } from '../model/types.ts';
import { PACK_FILE_KINDS } from './kinds/registry.ts';
import type { DocumentIdentity, PackFileKind } from './kinds/pack-file-kind.ts';
import { mergeDocument, type MergeConflict, type Resolver } from './merge-documents.ts';
import { sortFiles } from './pack-bundle.ts';
import { packJson } from './pack-json.ts';

export interface PackMergeInput {
  /** The pack's files as installed; null when the install was not recorded (every difference is then a conflict). */
  readonly base: readonly SourceFile[] | null;
  readonly mine: readonly SourceFile[];
  readonly pack: readonly SourceFile[];
  readonly resolve: Resolver;
}

export interface PackMergeResult {
  readonly files: readonly SourceFile[];
  readonly conflicts: readonly MergeConflict[];
}

interface Doc {
  readonly path: string;
  readonly name: string;
  readonly value: JsonValue;
}

export function mergePackFiles(input: PackMergeInput): PackMergeResult {
  const files: SourceFile[] = [];
  const conflicts: MergeConflict[] = [];
  const kinds: readonly PackFileKind[] = Object.values(PACK_FILE_KINDS);
  for (const kind of kinds) {
    const of = (list: readonly SourceFile[]) => list.filter((f) => kind.pattern.test(f.path));
    if (kind.merge.mode === 'incoming') {
      files.push(...of(input.pack));
      continue;
    }
    const { identity, rules } = kind.merge;
    const base = docs(of(input.base ?? []), identity);
    const mine = docs(of(input.mine), identity);
    const pack = docs(of(input.pack), identity);
    const baseNames = base.map((d) => d.name);
    const mineByBase = aligned(mine, baseNames, identity);
    const packByBase = aligned(pack, baseNames, identity);
    const names = [...new Set([...mineByBase.keys(), ...packByBase.keys(), ...baseNames])];
    for (const name of names) {
      const [b, m, p] = [base.find((d) => d.name === name), mineByBase.get(name), packByBase.get(name)];
      const file = p?.path ?? m?.path ?? b?.path ?? identity.path(name);
      const merged = mergeDocument({ base: b?.value, mine: m?.value, pack: p?.value, file, rules, resolve: input.resolve });
      conflicts.push(...merged.conflicts);
      if (merged.value === undefined) continue;
      // Unchanged documents keep their text; merged ones are written in the canonical form.
      const text = merged.value === p?.value ? textOf(input.pack, p.path) : merged.value === m?.value ? textOf(input.mine, m.path) : packJson(merged.value, { keepOrder: kind.keepOrder ?? [] });
      const key = (merged.value as Record<string, JsonValue>)[identity.key];
      files.push({ path: typeof key === 'string' ? identity.path(key) : file, text });
    }
  }
  return { files: sortFiles(files), conflicts };
}

function textOf(files: readonly SourceFile[], path: string): string {
  return files.find((f) => f.path === path)?.text ?? '';
}

function docs(files: readonly SourceFile[], identity: DocumentIdentity): Doc[] {
  const out: Doc[] = [];
  for (const file of files) {
    let value: JsonValue;
    try {
      value = JSON.parse(file.text) as JsonValue;
    } catch {
      continue;
    }
    const name = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, JsonValue>)[identity.key] : undefined;
    out.push({ path: file.path, name: typeof name === 'string' ? name : file.path, value });
  }
  return out;
}

/** Documents by the base document they are: same name, or an earlier name they declare. */
function aligned(side: readonly Doc[], baseNames: readonly string[], identity: DocumentIdentity): Map<string, Doc> {
  const out = new Map<string, Doc>();
  const names = new Set(side.map((d) => d.name));
  for (const doc of side) if (baseNames.includes(doc.name)) out.set(doc.name, doc);
  for (const doc of side) {
    if (baseNames.includes(doc.name)) continue;
    const renamedFrom = identity.renamedFrom && doc.value && typeof doc.value === 'object' && !Array.isArray(doc.value) ? (doc.value as Record<string, JsonValue>)[identity.renamedFrom] : undefined;
    const earlier = Array.isArray(renamedFrom) ? renamedFrom.find((n): n is string => typeof n === 'string' && baseNames.includes(n) && !names.has(n) && !out.has(n)) : undefined;
    out.set(earlier ?? doc.name, doc);
  }
  return out;
}
