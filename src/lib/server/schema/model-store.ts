/** The stored model: every applied version is kept (who, when, the model, the plan). */
import type { Kysely } from 'kysely';
import type { SystemTables } from '../db/system-tables.ts';
import { deepFreeze } from '../../model/canonical-json.ts';
import { emptyModel, type Model } from '../../model/types.ts';

export const MODEL_CHANNEL = 'peyvand_model';

export interface StoredModel {
  readonly version: number;
  readonly model: Model;
}

export async function loadCurrentModel(db: Kysely<SystemTables>): Promise<StoredModel> {
  const row = await db.selectFrom('peyvand.model_versions').select(['version', 'model']).orderBy('version', 'desc').limit(1).executeTakeFirst();
  if (!row) return { version: 0, model: emptyModel() };
  const stored = (typeof row.model === 'string' ? JSON.parse(row.model) : row.model) as Omit<Model, 'workflows' | 'roles'> & { workflows?: Model['workflows']; roles?: Model['roles'] };
  // Models stored before workflows existed have none.
  return { version: row.version, model: deepFreeze({ ...stored, workflows: stored.workflows ?? [], roles: stored.roles ?? [] }) };
}

export async function currentModelVersion(db: Kysely<SystemTables>): Promise<number> {
  const row = await db.selectFrom('peyvand.model_versions').select('version').orderBy('version', 'desc').limit(1).executeTakeFirst();
  return row?.version ?? 0;
}

export async function listModelVersions(db: Kysely<SystemTables>, limit = 50) {
  return db
    .selectFrom('peyvand.model_versions')
    .select(['version', 'hash', 'source', 'applied_by', 'applied_at', 'plan'])
    .orderBy('version', 'desc')
    .limit(limit)
    .execute();
}
