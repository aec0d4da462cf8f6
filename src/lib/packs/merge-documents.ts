/**
 * Three-way merge of pack documents: the installed pack (base), the deployment as it is now (mine:
 * the pack's documents with the changes admins made in the designer) and the new pack (pack).
 * What only one side changed is taken from that side; what both changed differently is a
 * conflict, resolved by the caller's choice per conflict (`mine` when there is none: nothing is
 * overwritten silently).
 *
 *   const merged = mergeDocument({ base, mine, pack, file: 'entities/contact.json', rules, resolve: () => null });
 *   merged.conflicts  // [{ id: 'entities/contact.json#/properties/email/title', mine: 'E-mail', pack: 'Email address', … }]
 *
 * Objects merge key by key, arrays and other values as a whole. A rule may declare an object a
 * keyed collection (an entity's `properties`: entries matched by name or by a name listed in
 * `x-renamed-from`, order kept) or an array a set of names of such a collection (`required`).
 */
import type { JsonValue } from '../model/types.ts';
import { escapePointer, packJson, sameJson } from './pack-json.ts';

export type Side = 'mine' | 'pack';

export const CONFLICT_KINDS = ['edit', 'remove', 'order', 'rename'] as const;
/** edit: both changed a value; remove: one removed what the other changed; order: both reordered; rename: both renamed. */
export type ConflictKind = (typeof CONFLICT_KINDS)[number];

export interface MergeConflict {
  /** `<file>#<pointer>` (or the file alone for a whole file): what `--resolve` names. */
  readonly id: string;
  readonly file: string;
  readonly pointer: string;
  readonly kind: ConflictKind;
  /** Absent when the value is absent on that side. */
  readonly base?: JsonValue;
  readonly mine?: JsonValue;
  readonly pack?: JsonValue;
  /** The choice applied; null when none was made (mine was kept, and applying is refused). */
  readonly resolution: Side | null;
}

export interface KeyedCollectionRule {
  /** JSON pointer of the object whose entries are matched by name (e.g. `/properties`). */
  readonly pointer: string;
  /** The entry keyword listing its earlier names (e.g. `x-renamed-from`). */
  readonly renamedFrom: string;
  /**
   * Arrays beside the collection that list names of its entries (an entity's `required`): each
   * entry's membership merges on its own, following renames.
   */
  readonly memberLists: readonly string[];
}

export interface MergeRules {
  readonly collections: readonly KeyedCollectionRule[];
}

export const NO_RULES: MergeRules = { collections: [] };

export type Resolver = (id: string) => Side | null;

export interface MergeInput {
  readonly base: JsonValue | undefined;
  readonly mine: JsonValue | undefined;
  readonly pack: JsonValue | undefined;
  readonly file: string;
  readonly rules: MergeRules;
  readonly resolve: Resolver;
}

export interface MergeResult {
  /** Undefined when the merged document is removed. */
  readonly value: JsonValue | undefined;
  readonly conflicts: readonly MergeConflict[];
}

type JsonRecord = { readonly [key: string]: JsonValue };

export function conflictId(file: string, pointer: string): string {
  return pointer === '' ? file : `${file}#${pointer}`;
}

export function mergeDocument(input: MergeInput): MergeResult {
  const merger = new Merger(input.file, input.rules, input.resolve);
  const value = merger.merge(input.base, input.mine, input.pack, '');
  return { value, conflicts: merger.conflicts };
}

/** Marks, inside a collection entry, that a member list names it (no meta-schema allows this key). */
const MEMBER_MARK = '\u0000member:';

class Merger {
  readonly conflicts: MergeConflict[] = [];
  readonly #file: string;
  readonly #rules: MergeRules;
  readonly #resolve: Resolver;

  constructor(file: string, rules: MergeRules, resolve: Resolver) {
    this.#file = file;
    this.#rules = rules;
    this.#resolve = resolve;
  }

  merge(base: JsonValue | undefined, mine: JsonValue | undefined, pack: JsonValue | undefined, pointer: string): JsonValue | undefined {
    const same = (a: JsonValue | undefined, b: JsonValue | undefined) => this.#same(a, b, pointer);
    // Equal values: the pack's (an unchanged document keeps the pack's text).
    if (same(mine, pack) || same(base, mine)) return pack;
    if (same(base, pack)) return mine;
    if (isRecord(mine) && isRecord(pack) && (base === undefined || isRecord(base))) {
      const collection = this.#rules.collections.find((r) => r.pointer === pointer);
      if (collection) return this.#mergeCollection(base, mine, pack, pointer, collection);
      const lists = this.#rules.collections.filter((r) => parentOf(r.pointer) === pointer && r.memberLists.length > 0);
      if (lists.length > 0) {
        const marked = (side: JsonRecord | undefined) => lists.reduce<JsonRecord | undefined>((doc, rule) => markMembers(doc, rule), side);
        const merged = this.#mergeObject(marked(base), marked(mine) ?? {}, marked(pack) ?? {}, pointer);
        return lists.reduce((doc, rule) => unmarkMembers(doc, rule), merged);
      }
      return this.#mergeObject(base, mine, pack, pointer);
    }
    return this.#conflict(pointer, mine === undefined || pack === undefined ? 'remove' : 'edit', base, mine, pack);
  }

  /** Equal as JSON; a collection's entry order counts. */
  #same(a: JsonValue | undefined, b: JsonValue | undefined, pointer: string): boolean {
    const keepOrder = this.#rules.collections.filter((r) => r.pointer.startsWith(pointer)).map((r) => r.pointer.slice(pointer.length));
    return packJson(a, { keepOrder }) === packJson(b, { keepOrder });
  }

  #conflict<T extends JsonValue>(pointer: string, kind: ConflictKind, base: T | undefined, mine: T | undefined, pack: T | undefined): T | undefined {
    const id = conflictId(this.#file, pointer);
    const resolution = this.#resolve(id);
    this.conflicts.push({
      id,
      file: this.#file,
      pointer,
      kind,
      ...(base === undefined ? {} : { base }),
      ...(mine === undefined ? {} : { mine }),
      ...(pack === undefined ? {} : { pack }),
      resolution,
    });
    return resolution === 'pack' ? pack : mine;
  }

  #mergeObject(base: JsonRecord | undefined, mine: JsonRecord, pack: JsonRecord, pointer: string): JsonRecord {
    const out = record();
    for (const key of unionKeys([Object.keys(mine), Object.keys(pack), Object.keys(base ?? {})])) {
      const value = this.merge(own(base, key), own(mine, key), own(pack, key), `${pointer}/${escapePointer(key)}`);
      if (value !== undefined) out[key] = value;
    }
    return out;
  }

  /** Entries matched by name or declared earlier name; the merged name and order follow whoever changed them. */
  #mergeCollection(base: JsonRecord | undefined, mine: JsonRecord, pack: JsonRecord, pointer: string, rule: KeyedCollectionRule): JsonRecord {
    const baseNames = Object.keys(base ?? {});
    const mineAligned = alignNames(mine, baseNames, rule.renamedFrom);
    const packAligned = alignNames(pack, baseNames, rule.renamedFrom);
    const mineByAligned = invert(mineAligned);
    const packByAligned = invert(packAligned);
    const aligned = unionKeys([[...mineAligned.values()], [...packAligned.values()], baseNames]);

    const merged = new Map<string, { name: string; value: JsonValue }>();
    for (const key of aligned) {
      const mineName = mineByAligned.get(key);
      const packName = packByAligned.get(key);
      const name = this.#mergedName(key, mineName, packName, pointer);
      const value = this.merge(own(base, key), mineName === undefined ? undefined : own(mine, mineName), packName === undefined ? undefined : own(pack, packName), `${pointer}/${escapePointer(name)}`);
      if (value === undefined) continue;
      const clash = [...merged.values()].find((m) => m.name === name);
      if (clash) {
        // Two different entries ended up with one name (e.g. renamed here to a name the pack adds).
        clash.value = this.#conflict(`${pointer}/${escapePointer(name)}`, 'rename', undefined, clash.value, value) ?? clash.value;
        continue;
      }
      merged.set(key, { name, value });
    }

    const order = this.#mergedOrder(
      baseNames,
      Object.keys(mine).map((n) => mineAligned.get(n) ?? n),
      Object.keys(pack).map((n) => packAligned.get(n) ?? n),
      [...merged.keys()],
      pointer,
    );
    const out = record();
    for (const key of order) {
      const entry = merged.get(key);
      if (entry) out[entry.name] = entry.value;
    }
    return out;
  }

  #mergedName(aligned: string, mineName: string | undefined, packName: string | undefined, pointer: string): string {
    if (mineName === undefined) return packName ?? aligned;
    if (packName === undefined || mineName === packName) return mineName;
    if (mineName === aligned) return packName;
    if (packName === aligned) return mineName;
    return this.#conflict(`${pointer}/${escapePointer(aligned)}`, 'rename', aligned, mineName, packName) ?? mineName;
  }

  /**
   * The order of a collection's entries: the side that reordered the shared entries decides it
   * (both, differently: a conflict); entries only one side has follow the entry before them there.
   */
  #mergedOrder(base: readonly string[], mine: readonly string[], pack: readonly string[], present: readonly string[], pointer: string): string[] {
    const inAll = (k: string) => base.includes(k) && mine.includes(k) && pack.includes(k);
    const [b, m, p] = [base.filter(inAll), mine.filter(inAll), pack.filter(inAll)];
    let lead: Side;
    if (sameJson(m, b)) lead = 'pack';
    else if (sameJson(p, b) || sameJson(m, p)) lead = 'mine';
    else lead = this.#conflict<JsonValue>(pointer, 'order', b, m, p) === p ? 'pack' : 'mine';
    const [first, second] = lead === 'pack' ? [pack, mine] : [mine, pack];
    const wanted = new Set(present);
    const out = first.filter((k) => wanted.has(k));
    for (const [i, key] of second.entries()) {
      if (!wanted.has(key) || out.includes(key)) continue;
      const before = second
        .slice(0, i)
        .reverse()
        .find((k) => out.includes(k));
      out.splice(before === undefined ? 0 : out.indexOf(before) + 1, 0, key);
    }
    for (const key of present) if (!out.includes(key)) out.push(key);
    return out;
  }
}

/** Each entry's name → the base entry it is (its own name, or an earlier name it declares), else itself. */
function alignNames(side: JsonRecord, baseNames: readonly string[], renamedFromKey: string): Map<string, string> {
  const names = Object.keys(side);
  const map = new Map<string, string>();
  const taken = new Set(names.filter((n) => baseNames.includes(n)));
  for (const name of names) {
    if (baseNames.includes(name)) {
      map.set(name, name);
      continue;
    }
    const entry = side[name];
    const earlier = isRecord(entry) && Array.isArray(entry[renamedFromKey]) ? (entry[renamedFromKey] as readonly JsonValue[]) : [];
    const was = earlier.find((n): n is string => typeof n === 'string' && baseNames.includes(n) && !taken.has(n));
    if (was !== undefined) taken.add(was);
    map.set(name, was ?? name);
  }
  return map;
}

function invert(map: ReadonlyMap<string, string>): Map<string, string> {
  return new Map([...map].map(([name, aligned]) => [aligned, name]));
}

/** Moves member lists (e.g. `required`) into the collection's entries as marks. */
function markMembers(doc: JsonRecord | undefined, rule: KeyedCollectionRule): JsonRecord | undefined {
  const key = lastSegment(rule.pointer);
  const entries = doc === undefined ? undefined : own(doc, key);
  if (doc === undefined || !isRecord(entries)) return doc;
  const out = record();
  for (const [k, v] of Object.entries(doc)) if (!rule.memberLists.includes(k)) out[k] = v;
  const marked = record();
  for (const [name, entry] of Object.entries(entries)) {
    const copy = record();
    if (isRecord(entry)) for (const [k, v] of Object.entries(entry)) copy[k] = v;
    for (const list of rule.memberLists) {
      const names = own(doc, list);
      if (Array.isArray(names) && names.includes(name)) copy[`${MEMBER_MARK}${list}`] = true;
    }
    marked[name] = isRecord(entry) ? copy : entry;
  }
  out[key] = marked;
  // Lists that are not lists of names stay as they are.
  for (const list of rule.memberLists) {
    const names = own(doc, list);
    if (names !== undefined && !(Array.isArray(names) && names.every((n) => typeof n === 'string'))) out[list] = names;
  }
  return out;
}

function unmarkMembers(doc: JsonRecord, rule: KeyedCollectionRule): JsonRecord {
  const key = lastSegment(rule.pointer);
  const entries = own(doc, key);
  if (!isRecord(entries)) return doc;
  const out = record();
  for (const [k, v] of Object.entries(doc)) out[k] = v;
  const unmarked = record();
  const members = new Map<string, string[]>(rule.memberLists.map((list) => [list, []]));
  for (const [name, entry] of Object.entries(entries)) {
    if (!isRecord(entry)) {
      unmarked[name] = entry;
      continue;
    }
    const copy = record();
    for (const [k, v] of Object.entries(entry)) {
      if (k.startsWith(MEMBER_MARK)) members.get(k.slice(MEMBER_MARK.length))?.push(name);
      else copy[k] = v;
    }
    unmarked[name] = copy;
  }
  out[key] = unmarked;
  for (const [list, names] of members) if (names.length > 0 && !Object.hasOwn(out, list)) out[list] = names;
  return out;
}

function parentOf(pointer: string): string {
  return pointer.slice(0, pointer.lastIndexOf('/'));
}

function lastSegment(pointer: string): string {
  return pointer
    .slice(pointer.lastIndexOf('/') + 1)
    .replaceAll('~1', '/')
    .replaceAll('~0', '~');
}

function record(): Record<string, JsonValue> {
  // No prototype: a "__proto__" key in a document stays a key.
  return Object.create(null) as Record<string, JsonValue>;
}

function isRecord(value: JsonValue | undefined): value is JsonRecord {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function own(doc: JsonRecord | undefined, key: string): JsonValue | undefined {
  return doc !== undefined && Object.hasOwn(doc, key) ? doc[key] : undefined;
}

/** The keys of the lists in order of first appearance. */
function unionKeys(lists: readonly (readonly string[])[]): string[] {
  return [...new Set(lists.flat())];
}
