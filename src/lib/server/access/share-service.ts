/**
 * Sharing one record with a user or a team (and its sub-teams), for reading or editing, and giving
 * a record a new owner. A share widens what the role's scope reaches, only where the role grants
 * the action on the entity at all (record-access.ts applies it). Each change writes its config_log
 * row in the same transaction and tells every server to forget cached access; an owner change is
 * also a record write (row + audit_log + outbox, reassign-owner.ts).
 *
 * Whether the CALLER may share or reassign a record is `mayChangeRecord`: the caller must be able
 * to change that record by their role's update scope (an edit share is not enough).
 *
 *   const may = await mayChangeRecord(db, access, entity, recordId);
 *   if (may.ok) await addShare(db, { entity, recordId, grantee: { kind: 'team', id: tehran }, access: 'read', actorId });
 */
import { sql, type Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { Access } from '../../access/access.ts';
import type { EntityModel } from '../../model/types.ts';
import { logConfigChange } from '../audit/config-log.ts';
import { notifyAuthChange } from '../auth/tokens.ts';
import type { SystemTables } from '../db/system-tables.ts';
import { recordScope } from '../records/record-access.ts';
import { reassignOwner } from '../records/reassign-owner.ts';
import type { RecordContext } from '../records/record-service.ts';
import { DATA_SCHEMA } from '../schema/object-names.ts';
import { done, refused, UUID, type AccessResult } from './access-result.ts';

export type ShareAccess = 'read' | 'edit';
export type Grantee = { readonly kind: 'user'; readonly id: string } | { readonly kind: 'team'; readonly id: string };

export interface ShareSummary {
  readonly id: string;
  readonly grantee: { readonly kind: 'user'; readonly id: string; readonly email: string; readonly name: string } | { readonly kind: 'team'; readonly id: string; readonly name: string };
  readonly access: ShareAccess;
  readonly createdAt: string;
  readonly createdBy: string | null;
}

export function isShareAccess(value: unknown): value is ShareAccess {
  return value === 'read' || value === 'edit';
}

/**
 * Whether `access` may change the record: not-found when it cannot even read it (exactly like a
 * missing record), forbidden when it can read but not change it. Returns the current owner.
 */
export async function mayChangeRecord(db: Kysely<SystemTables>, access: Access, entity: EntityModel, recordId: string): Promise<AccessResult<{ owner: string | null }>> {
  const notFound = refused<{ owner: string | null }>('not-found', `no ${entity.name} with this id`);
  if (!UUID.test(recordId)) return notFound;
  const read = recordScope(access, entity, 'read');
  // The role's own update scope: a share lets its holder work on the record, not pass it on.
  const update = recordScope(access, entity, 'update', { shares: false });
  const row = await sql<{ owner: string | null; may_change: boolean }>`
    select owner, ${update ?? sql`true`} as may_change from ${sql.id(DATA_SCHEMA, entity.name)}
    where id = ${recordId}::uuid and ${read ?? sql`true`}`.execute(db);
  const found = row.rows[0];
  if (!found) return notFound;
  if (found.may_change !== true) return refused('forbidden', `you may not change this ${entity.name}`);
  return done({ owner: found.owner });
}

async function recordExists(db: Kysely<SystemTables>, entity: EntityModel, recordId: string): Promise<boolean> {
  if (!UUID.test(recordId)) return false;
  const row = await sql<{ id: string }>`select id from ${sql.id(DATA_SCHEMA, entity.name)} where id = ${recordId}::uuid`.execute(db);
  return row.rows.length > 0;
}

export async function listShares(db: Kysely<SystemTables>, entity: EntityModel, recordId: string): Promise<ShareSummary[]> {
  if (!UUID.test(recordId)) return [];
  const rows = await db
    .selectFrom('peyvand.record_shares as s')
    .leftJoin('peyvand.users as u', 'u.id', 's.user_id')
    .leftJoin('peyvand.teams as t', 't.id', 's.team_id')
    .select(['s.id', 's.user_id', 's.team_id', 's.access', 's.created_at', 's.created_by', 'u.email', 'u.name as user_name', 't.name as team_name'])
    .where('s.entity', '=', entity.name)
    .where('s.record_id', '=', recordId)
    .orderBy('s.id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    grantee: r.user_id ? { kind: 'user' as const, id: r.user_id, email: r.email ?? '', name: r.user_name ?? '' } : { kind: 'team' as const, id: r.team_id ?? '', name: r.team_name ?? '' },
    access: r.access,
    createdAt: new Date(r.created_at).toISOString(),
    createdBy: r.created_by,
  }));
}

async function granteeName(db: Kysely<SystemTables>, grantee: Grantee): Promise<string | null> {
  if (!UUID.test(grantee.id)) return null;
  if (grantee.kind === 'user') return (await db.selectFrom('peyvand.users').select('email').where('id', '=', grantee.id).where('disabled_at', 'is', null).executeTakeFirst())?.email ?? null;
  return (await db.selectFrom('peyvand.teams').select('name').where('id', '=', grantee.id).executeTakeFirst())?.name ?? null;
}

/** Shares a record (a second share with the same grantee replaces the first: read ↔ edit). */
export async function addShare(
  db: Kysely<SystemTables>,
  input: { readonly entity: EntityModel; readonly recordId: string; readonly grantee: Grantee; readonly access: ShareAccess; readonly actorId: string | null },
): Promise<AccessResult<{ id: string }>> {
  if (!isShareAccess(input.access)) return refused('invalid', 'a share gives "read" or "edit"');
  return db.transaction().execute(async (trx) => {
    if (!(await recordExists(trx, input.entity, input.recordId))) return refused('not-found', `no ${input.entity.name} with this id`);
    const name = await granteeName(trx, input.grantee);
    if (!name) return refused('not-found', input.grantee.kind === 'user' ? 'there is no such active user' : 'there is no such team');
    const column = input.grantee.kind === 'user' ? 'user_id' : 'team_id';
    const previous = await trx.deleteFrom('peyvand.record_shares').where('entity', '=', input.entity.name).where('record_id', '=', input.recordId).where(column, '=', input.grantee.id).returning('access').executeTakeFirst();
    const id = uuidv7();
    await trx
      .insertInto('peyvand.record_shares')
      .values({ id, entity: input.entity.name, record_id: input.recordId, user_id: input.grantee.kind === 'user' ? input.grantee.id : null, team_id: input.grantee.kind === 'team' ? input.grantee.id : null, access: input.access, created_by: input.actorId })
      .execute();
    await logConfigChange(trx, {
      actorId: input.actorId,
      kind: 'share',
      subject: `${input.entity.name}/${input.recordId}`,
      action: previous ? 'change' : 'add',
      detail: { grantee: { kind: input.grantee.kind, id: input.grantee.id, name }, access: input.access, before: previous?.access ?? null },
    });
    await notifyAuthChange(trx);
    return done({ id });
  });
}

export async function removeShare(db: Kysely<SystemTables>, input: { readonly entity: EntityModel; readonly recordId: string; readonly shareId: string; readonly actorId: string | null }): Promise<AccessResult<{ removed: boolean }>> {
  if (!UUID.test(input.shareId) || !UUID.test(input.recordId)) return refused('not-found', 'there is no such share');
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .deleteFrom('peyvand.record_shares')
      .where('id', '=', input.shareId)
      .where('entity', '=', input.entity.name)
      .where('record_id', '=', input.recordId)
      .returning(['user_id', 'team_id', 'access'])
      .executeTakeFirst();
    if (!row) return refused('not-found', 'there is no such share');
    await logConfigChange(trx, { actorId: input.actorId, kind: 'share', subject: `${input.entity.name}/${input.recordId}`, action: 'remove', detail: { user: row.user_id, team: row.team_id, access: row.access } });
    await notifyAuthChange(trx);
    return done({ removed: true });
  });
}

/**
 * Gives a record a new owner (null: nobody). `access` is the caller's: the records service refuses
 * a record outside it. The owner change is audited as a record write and logged as configuration.
 */
export async function reassignRecordOwner(
  db: Kysely<SystemTables>,
  input: { readonly entity: EntityModel; readonly recordId: string; readonly ownerId: string | null; readonly access: Access; readonly actorId: string | null },
): Promise<AccessResult<{ owner: string | null; changed: boolean }>> {
  if (!UUID.test(input.recordId)) return refused('not-found', `no ${input.entity.name} with this id`);
  if (input.ownerId !== null && !UUID.test(input.ownerId)) return refused('not-found', 'there is no such active user');
  return db.transaction().execute(async (trx) => {
    if (input.ownerId !== null) {
      const user = await trx.selectFrom('peyvand.users').select('id').where('id', '=', input.ownerId).where('disabled_at', 'is', null).executeTakeFirst();
      if (!user) return refused('not-found', 'there is no such active user');
    }
    const may = await mayChangeRecord(trx, input.access, input.entity, input.recordId);
    if (!may.ok) return may;
    const ctx: RecordContext = { db: trx, actorId: input.actorId, access: input.access };
    const result = await reassignOwner(ctx, input.entity, input.recordId, input.ownerId);
    if (!result.ok) return refused(result.error.code === 'forbidden' ? 'forbidden' : 'not-found', result.error.message);
    if (result.value.changed) {
      await logConfigChange(trx, { actorId: input.actorId, kind: 'share', subject: `${input.entity.name}/${input.recordId}`, action: 'reassign-owner', detail: { before: may.value.owner, after: input.ownerId } });
      await notifyAuthChange(trx);
    }
    return done({ owner: input.ownerId, changed: result.value.changed });
  });
}
