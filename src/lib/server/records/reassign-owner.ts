/**
 * Gives a record a new owner: the row, its audit entry and its outbox event in one statement, like
 * every other write. `owner` is a system field, never settable through create/update.
 */
import { sql } from 'kysely';
import type { EntityModel } from '../../model/types.ts';
import { DATA_SCHEMA } from '../schema/object-names.ts';
import { fail, ok, type RecordResult } from './record-error.ts';
import type { RecordContext } from './record-service.ts';
import { recordScope } from './record-access.ts';

/**
 * Only for a record the caller's role lets them update (one they cannot read is "not found"); a
 * share is not enough — an edit share must not let someone make the record theirs (and then
 * delete it as its owner). The new owner may be anyone: handing a record over is the point.
 */
export async function reassignOwner(ctx: RecordContext, entity: EntityModel, id: string, owner: string | null): Promise<RecordResult<{ id: string; owner: string | null; changed: boolean }>> {
  const now = (ctx.now ?? (() => new Date()))().toISOString();
  const readable = recordScope(ctx.access, entity, 'read');
  const updatable = recordScope(ctx.access, entity, 'update', { shares: false });
  const cause = ctx.cause ? { cause: ctx.cause.runId, depth: ctx.cause.depth } : {};
  const result = await sql<{ id: string; old_owner: string | null; may_change: boolean }>`
    with before as (
      select id, owner, ${updatable ?? sql`true`} as may_change from ${sql.id(DATA_SCHEMA, entity.name)} where id = ${id}${readable ? sql` and ${readable}` : sql``} for update
    ), u as (
      update ${sql.id(DATA_SCHEMA, entity.name)} t set owner = ${owner}::uuid, version = t.version + 1, updated_at = ${now}::timestamptz
      from before b where t.id = b.id and b.may_change and b.owner is distinct from ${owner}::uuid
      returning t.id, b.owner as old_owner
    ), a as (
      insert into peyvand.audit_log (at, actor_id, entity, record_id, action, changes)
      select ${now}::timestamptz, ${ctx.actorId}::uuid, ${entity.name}, u.id, 'update', jsonb_build_object('owner', jsonb_build_object('old', u.old_owner, 'new', ${owner}::uuid)) from u
    ), o as (
      insert into peyvand.outbox (at, topic, entity, record_id, actor_id, payload)
      select ${now}::timestamptz, 'record.owner_changed', ${entity.name}, u.id, ${ctx.actorId}::uuid,
        jsonb_build_object('entity', ${entity.name}::text, 'id', u.id, 'old', u.old_owner, 'owner', ${owner}::uuid) || ${JSON.stringify(cause)}::jsonb from u
    )
    select coalesce(u.id, b.id) as id, b.owner as old_owner, b.may_change from before b left join u on true`.execute(ctx.db);
  const row = result.rows[0];
  if (!row) return fail({ code: 'not-found', message: `no ${entity.name} with this id` });
  if (row.may_change !== true) return fail({ code: 'forbidden', message: `your role does not let you change this ${entity.name}` });
  return ok({ id: row.id, owner, changed: row.old_owner !== owner });
}
