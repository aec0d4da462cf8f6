/**
 * The configuration trail: who changed which part of the deployment (packs, the model, workflows,
 * roles, teams, users, shares) and which privacy requests were answered. Append-only in the
 * database; written in the same transaction as the change it describes.
 *
 *   await logConfigChange(trx, { actorId, kind: 'role', subject: 'sales_rep', action: 'update', detail: { before, after } });
 */
import type { Kysely } from 'kysely';
import type { ConfigLogKind, SystemTables } from '../db/system-tables.ts';

export interface ConfigChange {
  readonly actorId: string | null;
  readonly kind: ConfigLogKind;
  readonly subject: string;
  readonly action: string;
  readonly detail?: unknown;
}

export async function logConfigChange(db: Kysely<SystemTables>, change: ConfigChange): Promise<void> {
  await db
    .insertInto('peyvand.config_log')
    .values({ actor_id: change.actorId, kind: change.kind, subject: change.subject, action: change.action, detail: JSON.stringify(change.detail ?? {}) })
    .execute();
}
