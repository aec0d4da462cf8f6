/**
 * Relation cells → record ids, a batch at a time: one query per (target, key field) for the keys
 * not seen before in this import, an exact match first (an index on the key is used), then — for
 * text keys that found nothing — a match after search folding (case, spaces, Persian/Arabic
 * letter forms). Answers are cached for the rest of the import, so 8,800 deals naming 85
 * companies cost a handful of queries.
 */
import { sql } from 'kysely';
import { FIELD_TYPES } from '../../fields/registry.ts';
import type { EntityModel, FieldModel, JsonValue, Model } from '../../model/types.ts';
import type { RelationRef } from '../../data/row-parser.ts';
import { normaliseSearchText } from '../../locale/search-text.ts';
import { DATA_SCHEMA } from '../schema/object-names.ts';
import { recordScope } from '../records/record-access.ts';
import { fieldColumns } from '../schema/plan.ts';
import { bulkCreate, type RecordContext } from '../records/record-service.ts';
import { savepoint } from './savepoint.ts';

export type Resolution = { readonly ok: true; readonly id: string; readonly created: boolean } | { readonly ok: false; readonly message: string };

/** Per key field: text → ids (empty: known to match nothing). */
type KeyCache = Map<string, string[]>;

const MAX_CACHED_KEYS = 200_000;

export class RelationResolver {
  readonly #model: Model;
  readonly #caches = new Map<string, KeyCache>();
  /** Why creating the missing targets of a key failed, by target and key field. */
  readonly #failedCreates = new Map<string, string>();
  /** Records this import created for `create: true` keys. */
  created = 0;

  constructor(model: Model) {
    this.#model = model;
  }

  #cache(target: string, on: string): KeyCache {
    const name = `${target}\u0000${on}`;
    let cache = this.#caches.get(name);
    if (!cache || cache.size > MAX_CACHED_KEYS) {
      cache = new Map();
      this.#caches.set(name, cache);
    }
    return cache;
  }

  /** Resolves every ref of a batch; the answer for each ref, in order. */
  async resolve(ctx: RecordContext, refs: readonly RelationRef[]): Promise<Resolution[]> {
    const groups = new Map<string, { target: EntityModel; on: FieldModel | null; refs: RelationRef[] }>();
    for (const ref of refs) {
      const on = ref.id !== null ? 'id' : ref.key.on;
      const name = `${ref.key.target}\u0000${on}`;
      let group = groups.get(name);
      if (!group) {
        const target = this.#model.entities.find((e) => e.name === ref.key.target) as EntityModel;
        group = { target, on: on === 'id' ? null : (target.fields.find((f) => f.name === on) ?? null), refs: [] };
        groups.set(name, group);
      }
      group.refs.push(ref);
    }
    for (const group of groups.values()) await this.#lookUp(ctx, group.target, group.on, group.refs);
    return refs.map((ref) => this.#answer(ref));
  }

  #answer(ref: RelationRef): Resolution {
    const on = ref.id !== null ? 'id' : ref.key.on;
    const ids = this.#cache(ref.key.target, on).get(ref.id ?? ref.text) ?? [];
    if (ids.length === 1) return { ok: true, id: ids[0] ?? '', created: false };
    if (ref.id !== null) return { ok: false, message: `no ${ref.key.target} has the id ${ref.id}` };
    const failed = ref.key.create ? this.#failedCreates.get(`${ref.key.target}\u0000${ref.key.on}`) : undefined;
    if (ids.length === 0 && failed) return { ok: false, message: `no ${ref.key.target} has ${ref.key.on} ${JSON.stringify(ref.text)}, and creating one failed: ${failed}` };
    if (ids.length === 0) return { ok: false, message: `no ${ref.key.target} has ${ref.key.on} ${JSON.stringify(ref.text)}` };
    return { ok: false, message: `${ids.length} ${ref.key.target} records have ${ref.key.on} ${JSON.stringify(ref.text)}; match on a field whose values are unique` };
  }

  async #lookUp(ctx: RecordContext, target: EntityModel, on: FieldModel | null, refs: readonly RelationRef[]): Promise<void> {
    const cache = this.#cache(target.name, on?.name ?? 'id');
    const wanted = [...new Set(refs.map((r) => r.id ?? r.text))].filter((t) => !cache.has(t));
    if (wanted.length === 0) return;
    const table = sql.id(DATA_SCHEMA, target.name);
    // Only records the importer may read can be linked to (or learnt about).
    const scope = recordScope(ctx.access, target, 'read');
    const inScope = scope ? sql` and ${scope}` : sql``;
    if (on === null) {
      const found = await sql<{ id: string }>`select id::text as id from ${table} where id = any(${sql.val(wanted)}::uuid[])${inScope}`.execute(ctx.db);
      const ids = new Set(found.rows.map((r) => r.id));
      for (const id of wanted) cache.set(id, ids.has(id) ? [id] : []);
      return;
    }
    const column = sql.id(fieldColumns(on)[0]?.name ?? on.name);
    const exact = await sql<{ id: string; k: string }>`select id::text as id, ${column}::text as k from ${table} where ${column}::text = any(${sql.val(wanted)}::text[])${inScope}`.execute(ctx.db);
    const byText = new Map<string, string[]>();
    for (const r of exact.rows) byText.set(r.k, [...(byText.get(r.k) ?? []), r.id]);
    const misses = wanted.filter((t) => !byText.has(t));
    if (misses.length > 0 && FIELD_TYPES[on.type].filterKind === 'text') {
      const folded = await sql<{ wanted: string; id: string }>`
        with w as (select x as wanted, peyvand.search_text(x) as f from unnest(${sql.val(misses)}::text[]) as x)
        select w.wanted, t.id::text as id from w join ${table} t on peyvand.search_text(t.${column}::text) = w.f${inScope}`.execute(ctx.db);
      for (const r of folded.rows) byText.set(r.wanted, [...(byText.get(r.wanted) ?? []), r.id]);
    }
    for (const text of wanted) cache.set(text, byText.get(text) ?? []);
    // Missing keys of `create: true`: one new record per spelling (folded for text keys, so that
    // "Kavir Software" and "kavir  software" make one company).
    const groups = new Map<string, { value: JsonValue; texts: string[] }>();
    const fold = FIELD_TYPES[on.type].filterKind === 'text' ? normaliseSearchText : (t: string) => t;
    for (const ref of refs) {
      if (!ref.key.create || ref.id !== null || (cache.get(ref.text)?.length ?? 0) > 0) continue;
      const group = groups.get(fold(ref.text)) ?? { value: ref.value, texts: [] };
      if (!group.texts.includes(ref.text)) group.texts.push(ref.text);
      groups.set(fold(ref.text), group);
    }
    if (groups.size > 0) await this.#create(ctx, target, on, [...groups.values()], cache);
  }

  /** Creates the missing targets of `create: true` keys, with only the key field set. */
  async #create(ctx: RecordContext, target: EntityModel, on: FieldModel, groups: readonly { value: JsonValue; texts: string[] }[], cache: KeyCache): Promise<void> {
    const result = await savepoint(ctx.db, () => bulkCreate(ctx, target, groups.map((g) => ({ [on.name]: g.value }))), (r) => r.ok);
    if (!result.ok) {
      // Usually a required field the key alone cannot fill; every row naming one of these says so.
      this.#failedCreates.set(`${target.name}\u0000${on.name}`, result.error.message);
      return;
    }
    groups.forEach((g, i) => {
      for (const text of g.texts) cache.set(text, [result.value.ids[i] ?? '']);
    });
    this.created += groups.length;
  }

}
