/** What the record pages need beside the API: the entity from the URL, and titles of related records. */
import { error } from '@sveltejs/kit';
import type { EntityModel, Model } from '../../model/types.ts';
import type { Runtime } from '../runtime.ts';
import type { AuthUser } from '../auth/permissions.ts';
import type { Access } from '../../access/access.ts';
import { visibleEntity } from './record-access.ts';
import type { HistoryEntry, RecordOutput } from './record-service.ts';
import type { SavedView } from './saved-views.ts';

/**
 * The entity a URL names, as the user may know it (`access`: hidden fields removed, read-only ones
 * marked), so that forms, lists and column pickers never show what the user may not see.
 */
export function entityFromUrl(model: Model, name: string, access: Access | null = null): EntityModel {
  const entity = model.entities.find((e) => e.name === name);
  if (!entity) error(404, 'not found');
  return access ? visibleEntity(access, entity) : entity;
}

export function titleOf(entity: EntityModel, record: RecordOutput): string {
  const value = entity.titleField ? record[entity.titleField] : null;
  return value === null || value === undefined || value === '' ? String(record.id) : String(value);
}

/** The procedures of `entities.<name>`, as the server-side caller exposes them. */
export interface EntityCaller {
  list(input: unknown): Promise<{ items: RecordOutput[]; nextCursor: string | null; total?: number; totalIsAtLeast?: boolean }>;
  get(input: { id: string }): Promise<RecordOutput>;
  history(input: { id: string }): Promise<HistoryEntry[]>;
  views(): Promise<SavedView[]>;
  saveView(input: { name: string; query: string; shared: boolean }): Promise<SavedView>;
  deleteView(input: { id: string }): Promise<{ id: string }>;
  create(input: unknown): Promise<RecordOutput>;
  update(input: { id: string; version: number; values: unknown }): Promise<RecordOutput>;
  delete(input: { id: string; version?: number }): Promise<{ id: string }>;
}

/** Entity routers of a caller, by name (the router's shape depends on the model). */
export function entityCaller(runtime: Runtime, user: AuthUser, entity: string): EntityCaller {
  const entities = runtime.caller(user).entities as unknown as Record<string, EntityCaller>;
  const caller = entities[entity];
  if (!caller) error(404, 'not found');
  return caller;
}

/** Titles of the records that relation fields point at, through the same API (and its checks). */
export async function relationTitles(runtime: Runtime, user: AuthUser, entity: EntityModel, records: readonly RecordOutput[]): Promise<Record<string, string>> {
  const model = runtime.current().model;
  const titles: Record<string, string> = {};
  for (const field of entity.fields) {
    if (!field.relation) continue;
    const target = model.entities.find((e) => e.name === field.relation?.entity);
    const ids = [...new Set(records.map((r) => r[field.name]).filter((v): v is string => typeof v === 'string'))];
    if (!target || ids.length === 0) continue;
    for (let i = 0; i < ids.length; i += 200) {
      const page = await entityCaller(runtime, user, target.name).list({ filter: { field: 'id', op: 'in', value: ids.slice(i, i + 200) }, limit: 200 });
      for (const item of page.items) titles[String(item.id)] = titleOf(target, item);
    }
  }
  return titles;
}
