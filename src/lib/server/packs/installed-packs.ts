/**
 * `peyvand.installed_packs` (migrations/0005): one row per installed pack — its version, its
 * files as applied (a pack bundle), the model version that install produced, when and by whom.
 *
 *   const row = await findInstalledPack(db, 'b2b-sales');   // row?.files: the base of an upgrade
 */
import type { ColumnType, Kysely } from 'kysely';
import type { SourceFile } from '../../model/load-pack.ts';
import { packBundle, readPackBundle, type PackBundle } from '../../packs/pack-bundle.ts';
import type { SystemTables } from '../db/system-tables.ts';

export type InstalledPacksTable = {
  name: string;
  version: string;
  bundle: ColumnType<unknown, string, string>;
  model_version: number | null;
  applied_at: ColumnType<Date, Date | string | undefined, Date | string>;
  applied_by: string | null;
};

// Type aliases, not interfaces: Kysely's withTables wants index-compatible records.
export type PackTables = {
  'peyvand.installed_packs': InstalledPacksTable;
};

export interface InstalledPack {
  readonly name: string;
  readonly version: string;
  readonly files: readonly SourceFile[];
  readonly modelVersion: number | null;
  readonly appliedAt: Date;
  readonly appliedBy: string | null;
  /** The name of the user who applied it (null: the CLI, or a removed user). */
  readonly appliedByName: string | null;
}

function tables(db: Kysely<SystemTables>): Kysely<SystemTables & PackTables> {
  return db.withTables<PackTables>();
}

export async function listInstalledPacks(db: Kysely<SystemTables>): Promise<InstalledPack[]> {
  const rows = await query(db).orderBy('p.name').execute();
  return rows.map(toInstalled);
}

export async function findInstalledPack(db: Kysely<SystemTables>, name: string): Promise<InstalledPack | null> {
  const row = await query(db).where('p.name', '=', name).executeTakeFirst();
  return row ? toInstalled(row) : null;
}

function query(db: Kysely<SystemTables>) {
  return tables(db)
    .selectFrom('peyvand.installed_packs as p')
    .leftJoin('peyvand.users as u', 'u.id', 'p.applied_by')
    .select(['p.name', 'p.version', 'p.bundle', 'p.model_version', 'p.applied_at', 'p.applied_by', 'u.name as applied_by_name']);
}

export async function recordInstalledPack(
  db: Kysely<SystemTables>,
  input: { readonly name: string; readonly version: string; readonly files: readonly SourceFile[]; readonly modelVersion: number | null; readonly actorId: string | null },
): Promise<PackBundle> {
  const bundle = { ...packBundle(input.files), name: input.name, version: input.version };
  const values = { version: input.version, bundle: JSON.stringify(bundle), model_version: input.modelVersion, applied_at: new Date(), applied_by: input.actorId };
  await tables(db)
    .insertInto('peyvand.installed_packs')
    .values({ name: input.name, ...values })
    .onConflict((oc) => oc.column('name').doUpdateSet(values))
    .execute();
  return bundle;
}

function toInstalled(row: { name: string; version: string; bundle: unknown; model_version: number | null; applied_at: Date; applied_by: string | null; applied_by_name: string | null }): InstalledPack {
  const stored = typeof row.bundle === 'string' ? (JSON.parse(row.bundle) as unknown) : row.bundle;
  const read = readPackBundle(stored);
  // Written by recordInstalledPack only: a bundle that does not read back is a bug, not input.
  if (!read.ok) throw new Error(`installed pack ${row.name}: stored bundle does not read back: ${read.issues.map((i) => i.message).join('; ')}`);
  return {
    name: row.name,
    version: row.version,
    files: read.files,
    modelVersion: row.model_version,
    appliedAt: row.applied_at instanceof Date ? row.applied_at : new Date(row.applied_at),
    appliedBy: row.applied_by,
    appliedByName: row.applied_by_name,
  };
}
