/**
 * Who a workflow acts as. An administrator grants a workflow an identity — a user — and every
 * step then runs with that user's rights, loaded afresh when the step runs (a role revoked or a
 * user disabled meanwhile stops the next step): the records it may change, the fields its
 * templates and expressions may read. A workflow without a grant runs as the platform (every
 * right), like a pack applied from the command line; the workflow pages say so.
 *
 *   const identity = await resolveIdentity(db, model, 'deal_closed_log');
 *   if (!identity.ok) fail(identity.error);        // the granted user is gone or disabled
 *   identity.value.access;                         // SYSTEM_ACCESS or the user's Access
 */
import type { Kysely } from 'kysely';
import { validate as isUuid } from 'uuid';
import { SYSTEM_ACCESS, type Access } from '../../access/access.ts';
import type { Model } from '../../model/types.ts';
import type { SystemTables } from '../db/system-tables.ts';
import { loadAccessById } from '../auth/access-store.ts';
import { logConfigChange } from '../audit/config-log.ts';

export type WorkflowIdentity =
  | { readonly kind: 'platform'; readonly userId: null; readonly access: Access }
  | { readonly kind: 'user'; readonly userId: string; readonly access: Access };

export const PLATFORM_IDENTITY: WorkflowIdentity = { kind: 'platform', userId: null, access: SYSTEM_ACCESS };

export type IdentityResult = { readonly ok: true; readonly value: WorkflowIdentity } | { readonly ok: false; readonly error: string };

export async function resolveIdentity(db: Kysely<SystemTables>, model: Model, workflow: string): Promise<IdentityResult> {
  const grant = await db
    .selectFrom('peyvand.workflow_identities as w')
    .innerJoin('peyvand.users as u', 'u.id', 'w.user_id')
    .select(['w.user_id', 'u.email'])
    .where('w.workflow', '=', workflow)
    .executeTakeFirst();
  if (!grant) return { ok: true, value: PLATFORM_IDENTITY };
  const access = await loadAccessById(db, model, grant.user_id);
  if (!access) return { ok: false, error: `the workflow runs as ${grant.email}, whose account is disabled; an administrator must choose another user` };
  return { ok: true, value: { kind: 'user', userId: grant.user_id, access } };
}

export interface IdentityGrant {
  readonly userId: string;
  readonly email: string;
  readonly name: string;
  readonly grantedBy: string | null;
  readonly grantedAt: string;
}

/** The grant of one workflow, or null when it runs as the platform. */
export async function identityOf(db: Kysely<SystemTables>, workflow: string): Promise<IdentityGrant | null> {
  const row = await db
    .selectFrom('peyvand.workflow_identities as w')
    .innerJoin('peyvand.users as u', 'u.id', 'w.user_id')
    .leftJoin('peyvand.users as g', 'g.id', 'w.granted_by')
    .select(['w.user_id', 'u.email', 'u.name', 'g.email as granted_by', 'w.granted_at'])
    .where('w.workflow', '=', workflow)
    .executeTakeFirst();
  return row ? { userId: row.user_id, email: row.email, name: row.name, grantedBy: row.granted_by, grantedAt: new Date(row.granted_at).toISOString() } : null;
}

/**
 * Grants (or, with `userId: null`, withdraws) a workflow's identity; logged in the configuration
 * trail. The caller checks that an administrator asks.
 */
export async function grantIdentity(db: Kysely<SystemTables>, input: { readonly workflow: string; readonly userId: string | null; readonly grantedBy: string | null }): Promise<{ ok: true } | { ok: false; error: string }> {
  return db.transaction().execute(async (trx) => {
    if (input.userId === null) {
      const removed = await trx.deleteFrom('peyvand.workflow_identities').where('workflow', '=', input.workflow).executeTakeFirst();
      if (removed.numDeletedRows > 0n) await logConfigChange(trx, { actorId: input.grantedBy, kind: 'workflow', subject: input.workflow, action: 'identity.withdraw' });
      return { ok: true as const };
    }
    const user = isUuid(input.userId) ? await trx.selectFrom('peyvand.users').select(['id', 'email']).where('id', '=', input.userId).where('disabled_at', 'is', null).executeTakeFirst() : undefined;
    if (!user) return { ok: false as const, error: 'no active user with this id' };
    await trx
      .insertInto('peyvand.workflow_identities')
      .values({ workflow: input.workflow, user_id: user.id, granted_by: input.grantedBy })
      .onConflict((oc) => oc.column('workflow').doUpdateSet({ user_id: user.id, granted_by: input.grantedBy, granted_at: new Date() }))
      .execute();
    await logConfigChange(trx, { actorId: input.grantedBy, kind: 'workflow', subject: input.workflow, action: 'identity.grant', detail: { user: user.email } });
    return { ok: true as const };
  });
}
