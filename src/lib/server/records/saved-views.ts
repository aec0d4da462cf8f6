/** Saved list views: a name for a list's URL state, kept per user or shared. */
import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { SystemTables } from '../db/system-tables.ts';
import { readListParams, writeListParams } from '../../records/list-params.ts';
import { fail, ok, type RecordResult } from './record-error.ts';

export interface SavedView {
  readonly id: string;
  readonly name: string;
  readonly query: string;
  readonly shared: boolean;
  readonly mine: boolean;
}

/** The user's own views of an entity and those others shared, own first, by name. */
export async function listViews(db: Kysely<SystemTables>, userId: string, entity: string): Promise<SavedView[]> {
  const rows = await db
    .selectFrom('peyvand.saved_views')
    .select(['id', 'name', 'query', 'shared', 'owner_id'])
    .where('entity', '=', entity)
    .where((eb) => eb.or([eb('owner_id', '=', userId), eb('shared', '=', true)]))
    .orderBy('name')
    .limit(200)
    .execute();
  return rows
    .map((r) => ({ id: r.id, name: r.name, query: r.query, shared: r.shared, mine: r.owner_id === userId }))
    .sort((a, b) => Number(b.mine) - Number(a.mine));
}

/** Saves (or replaces, by name) a view; the query is re-written from what it means, without a cursor. */
export async function saveView(
  db: Kysely<SystemTables>,
  userId: string,
  input: { readonly entity: string; readonly name: string; readonly query: string; readonly shared: boolean },
): Promise<RecordResult<SavedView>> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > 100) return fail({ code: 'invalid', message: 'a view needs a name of 1 to 100 characters', issues: [{ path: '/name', field: 'name', message: 'name is required' }] });
  if (input.query.length > 4000) return fail({ code: 'invalid', message: 'the view is too large' });
  const query = writeListParams({ ...readListParams(new URLSearchParams(input.query)), cursor: null });
  const row = await db
    .insertInto('peyvand.saved_views')
    .values({ id: uuidv7(), entity: input.entity, owner_id: userId, name, query, shared: input.shared })
    .onConflict((oc) => oc.constraint('saved_views_owner_name_key').doUpdateSet({ query, shared: input.shared }))
    .returning(['id', 'name', 'query', 'shared'])
    .executeTakeFirstOrThrow();
  return ok({ ...row, mine: true });
}

/** Deletes one of the user's own views. */
export async function deleteView(db: Kysely<SystemTables>, userId: string, id: string): Promise<RecordResult<{ id: string }>> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return fail({ code: 'not-found', message: 'no such view' });
  const result = await db.deleteFrom('peyvand.saved_views').where('id', '=', id).where('owner_id', '=', userId).executeTakeFirst();
  return result.numDeletedRows > 0n ? ok({ id }) : fail({ code: 'not-found', message: 'no such view' });
}
