/** Users named in action settings: "owner", "actor" or an email. */
import { sql, type Kysely } from 'kysely';
import type { SystemTables } from '../../db/system-tables.ts';
import type { ActionContext, ActionIssue, PerformContext } from '../action-type.ts';

const EMAIL = /^[^\s@]+@[^\s@]+$/;

export function checkUserRef(value: unknown, pointer: string): ActionIssue[] {
  if (value === undefined || value === 'owner' || value === 'actor') return [];
  if (typeof value === 'string' && EMAIL.test(value)) return [];
  return [{ pointer, message: 'must be "owner", "actor" or a user\'s email address' }];
}

/** The user id a reference means in this run, or an error naming what is missing. */
export async function resolveUser(db: Kysely<SystemTables>, ref: string, ctx: ActionContext, owner: string | null): Promise<{ ok: true; id: string | null } | { ok: false; error: string }> {
  if (ref === 'owner') return { ok: true, id: owner };
  if (ref === 'actor') return { ok: true, id: ctx.actorId };
  const user = await db.selectFrom('peyvand.users').select('id').where('email', '=', ref.toLowerCase()).where('disabled_at', 'is', null).executeTakeFirst();
  return user ? { ok: true, id: user.id } : { ok: false, error: `no active user has the email ${ref}` };
}

/** The current owner of the run's record (null without one). */
export async function recordOwner(ctx: PerformContext): Promise<string | null> {
  if (!ctx.entity || !ctx.recordId) return null;
  const result = await sql<{ owner: string | null }>`select owner from ${sql.id('data', ctx.entity.name)} where id = ${ctx.recordId}`.execute(ctx.db);
  return result.rows[0]?.owner ?? null;
}
