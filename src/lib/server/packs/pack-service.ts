/**
 * validate → plan → apply → export for packs: what the CLI verbs and the admin page call.
 *
 * Installing (or upgrading) a pack, in ONE transaction: read the current model and what is
 * installed → merge three ways (base: the pack as installed, mine: the deployment now, pack: the
 * new files) → compose the model → plan and apply it (`applyModel`) → record the pack in
 * `peyvand.installed_packs`. Anything refused, a dry run, or a failure rolls all of it back.
 *
 *   const plan = await installPack(database, pack, { actorId, dryRun: true });     // what would happen
 *   const done = await installPack(database, pack, { actorId, resolutions: { 'entities/contact.json#/properties/email/title': 'mine' } });
 *   if (done.status === 'refused') console.log(done.refusals);                      // e.g. ['conflicts']
 */
import type { Transaction } from 'kysely';
import { loadPackFiles, type PackIssue, type PackModel, type SourceFile } from '../../model/load-pack.ts';
import { composeModel } from '../../model/compose-model.ts';
import type { LocalizedText, Model } from '../../model/types.ts';
import { exportPackFiles } from '../../packs/export-pack.ts';
import { classifyPackFile, PACK_FILE_KINDS } from '../../packs/kinds/registry.ts';
import { packJson } from '../../packs/pack-json.ts';
import type { PackFileKind } from '../../packs/kinds/pack-file-kind.ts';
import type { MergeConflict, Side } from '../../packs/merge-documents.ts';
import { mergePackFiles } from '../../packs/merge-pack-files.ts';
import { diffModels, type ModelDiff } from '../../packs/model-diff.ts';
import { compareVersions } from '../../packs/semver.ts';
import type { Database } from '../db/database.ts';
import type { SystemTables } from '../db/system-tables.ts';
import { checkWorkflows } from '../rules/check-workflows.ts';
import { logConfigChange } from '../audit/config-log.ts';
import { applyModel, type ApplyOptions, type ApplyResult } from '../schema/apply.ts';
import { loadCurrentModel } from '../schema/model-store.ts';
import { findInstalledPack, listInstalledPacks, recordInstalledPack, type InstalledPack } from './installed-packs.ts';
import { readPackInput } from './read-pack.ts';

// ---- what the callers get -------------------------------------------------------------------

export type PackChange = 'install' | 'upgrade' | 'reinstall' | 'downgrade';

/**
 * Why an apply was refused: unresolved conflicts; an older version without `allowDowngrade`;
 * destructive steps without `allowDestructive`; steps existing records make impossible; or the
 * model changed since the plan the caller reviewed (`expectedModelVersion`).
 */
export const PACK_REFUSALS = ['conflicts', 'downgrade', 'destructive', 'impossible', 'stale'] as const;
export type PackRefusal = (typeof PACK_REFUSALS)[number];

export interface FileChange {
  readonly path: string;
  readonly change: 'added' | 'changed' | 'removed';
}

export interface PackReport {
  /**
   * applied: committed; unchanged: nothing to do; planned: a dry run (its `refusals` say what
   * applying would be refused for); refused: see `refusals`; invalid: see `issues`.
   */
  readonly status: 'applied' | 'unchanged' | 'planned' | 'refused' | 'invalid';
  readonly pack: { readonly name: string; readonly version: string; readonly title: LocalizedText } | null;
  /** The install before this one (null when the pack was not installed). */
  readonly installed: { readonly version: string; readonly appliedAt: string | null; readonly appliedBy: string | null } | null;
  readonly change: PackChange | null;
  readonly refusals: readonly PackRefusal[];
  readonly issues: readonly PackIssue[];
  /** Where the admin's changes and the pack's meet; each with the resolution applied (null: none chosen). */
  readonly conflicts: readonly MergeConflict[];
  /** `--resolve` choices that name no conflict of this plan. */
  readonly unusedResolutions: readonly string[];
  readonly diff: ModelDiff;
  /** Files the model does not hold (UI strings, seed data, import mappings) that change. */
  readonly files: readonly FileChange[];
  /** The migration: steps, destructive flags and affected rows (null when the pack was invalid). */
  readonly schema: ApplyResult | null;
  /** The model version in force afterwards (for a plan or a refusal: the one it was made against). */
  readonly version: number | null;
}

export interface PackInstallOptions {
  readonly actorId: string | null;
  readonly dryRun?: boolean;
  readonly allowDestructive?: boolean;
  readonly allowDowngrade?: boolean;
  /** Conflict id → whose version to take. */
  readonly resolutions?: Readonly<Record<string, Side>>;
  /** For every conflict without its own resolution. */
  readonly resolveAll?: Side | null;
  /** The model version the caller reviewed the plan against; another one refuses with `stale`. */
  readonly expectedModelVersion?: number;
  /** Defaults to this platform's version (package.json). */
  readonly platformVersion?: string;
  /** Test hooks: a thrown error must leave nothing behind. */
  readonly hooks?: { readonly beforeStep?: ApplyOptions['beforeStep']; readonly beforeCommit?: () => void | Promise<void> };
}

// ---- validate -------------------------------------------------------------------------------

export type PackCheck = { readonly ok: true; readonly pack: PackModel } | { readonly ok: false; readonly issues: readonly PackIssue[] };

/** A pack folder or bundle file, checked without touching the database. */
export async function validatePackFolder(path: string): Promise<PackCheck> {
  const read = await readPackInput(path);
  if (read.issues.length > 0) return { ok: false, issues: read.issues };
  return loadPackFiles(read.files);
}

// ---- install --------------------------------------------------------------------------------

/** Validates files (a folder's, a bundle's) and installs them; see `installPack`. */
export async function installPackFiles(database: Database, files: readonly SourceFile[], options: PackInstallOptions): Promise<PackReport> {
  const loaded = loadPackFiles(files);
  if (!loaded.ok) return invalidReport(null, loaded.issues);
  return installPack(database, loaded.pack, options);
}

class Finished extends Error {
  readonly report: PackReport;
  constructor(report: PackReport) {
    super('rollback');
    this.report = report;
  }
}

/** The model changed between reading it and applying: the merge was made against a stale model. */
class StaleRead extends Error {}

const ATTEMPTS = 3;

export async function installPack(database: Database, pack: PackModel, options: PackInstallOptions): Promise<PackReport> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await database.db.transaction().execute((trx) => installIn(database, trx, pack, options));
    } catch (error) {
      if (error instanceof Finished) return error.report;
      if (error instanceof StaleRead && attempt < ATTEMPTS) continue;
      throw error;
    }
  }
}

async function installIn(database: Database, trx: Transaction<SystemTables>, pack: PackModel, options: PackInstallOptions): Promise<PackReport> {
  const name = pack.info.name;
  const current = await loadCurrentModel(trx);
  const installed = await findInstalledPack(trx, name);
  const inModel = current.model.packs.find((p) => p.name === name) ?? null;
  const previousVersion = installed?.version ?? inModel?.version ?? null;
  const change: PackChange = previousVersion === null ? 'install' : changeOf(compareVersions(pack.info.version, previousVersion));

  const explicit = options.resolutions ?? {};
  const merged = mergePackFiles({
    base: installed?.files ?? (inModel ? await unrecordedBase(trx, name, inModel.version) : []),
    mine: exportPackFiles({ model: current.model, packName: name, installed: installed?.files ?? null }),
    pack: pack.files,
    resolve: (id) => (Object.hasOwn(explicit, id) ? (explicit[id] ?? null) : (options.resolveAll ?? null)),
  });
  const conflictIds = new Set(merged.conflicts.map((c) => c.id));
  const base = {
    pack: { name, version: pack.info.version, title: pack.info.title },
    installed: previousVersion === null ? null : { version: previousVersion, appliedAt: installed?.appliedAt.toISOString() ?? null, appliedBy: installed?.appliedByName ?? null },
    change,
    conflicts: merged.conflicts,
    unusedResolutions: Object.keys(explicit).filter((id) => !conflictIds.has(id)),
    files: fileChanges(installed?.files ?? [], pack.files),
  };

  const effective = sameFiles(merged.files, pack.files) ? { ok: true as const, pack } : loadPackFiles(merged.files);
  if (!effective.ok) {
    // The pack and the admin's changes are each valid but do not fit together.
    throw new Finished({ ...invalidReport(base.pack, effective.issues.map((i) => ({ ...i, message: `after merging your changes: ${i.message}` }))), ...base, version: current.version });
  }
  const composed = composeModel(current.model, { ...effective.pack, files: pack.files }, options.platformVersion === undefined ? {} : { platformVersion: options.platformVersion });
  if (!composed.ok) throw new Finished({ ...invalidReport(base.pack, composed.issues), ...base, version: current.version });
  // Every workflow must still be runnable: the pack's own, and others' that use its entities.
  const workflowIssues = checkWorkflows(composed.model);
  if (workflowIssues.length > 0) throw new Finished({ ...invalidReport(base.pack, workflowIssues), ...base, version: current.version });

  const refusals: PackRefusal[] = [];
  if (merged.conflicts.some((c) => c.resolution === null)) refusals.push('conflicts');
  if (change === 'downgrade' && !options.allowDowngrade) refusals.push('downgrade');
  if (options.expectedModelVersion !== undefined && options.expectedModelVersion !== current.version) refusals.push('stale');
  const isBlocked = refusals.length > 0;

  const schema = await applyModel(inTransaction(database, trx), {
    model: composed.model,
    source: `pack ${name}@${pack.info.version}`,
    actorId: options.actorId,
    allowDestructive: options.allowDestructive ?? false,
    dryRun: (options.dryRun ?? false) || isBlocked,
    ...(options.hooks?.beforeStep ? { beforeStep: options.hooks.beforeStep } : {}),
  });
  if (schema.fromHash !== current.model.hash) throw new StaleRead();
  if (schema.outcomes.some((o) => o.status === 'needs-confirmation')) refusals.push('destructive');
  if (schema.outcomes.some((o) => o.status === 'impossible')) refusals.push('impossible');

  const isFilesChanged = installed === null || !sameContent(installed.files, pack.files);
  const report = (status: PackReport['status'], version: number | null): PackReport => ({
    status,
    ...base,
    refusals,
    issues: [],
    diff: diffModels(current.model, composed.model),
    schema,
    version,
  });
  const isNoop = schema.status === 'unchanged' && !isFilesChanged && refusals.length === 0;
  // A plan lists what applying would be refused for; it is not refused itself.
  if (options.dryRun) throw new Finished(report(isNoop ? 'unchanged' : 'planned', current.version));
  if (refusals.length > 0) throw new Finished(report('refused', current.version));
  if (isNoop) throw new Finished(report('unchanged', current.version));

  const version = schema.status === 'applied' ? schema.version : current.version;
  await recordInstalledPack(trx, { name, version: pack.info.version, files: pack.files, modelVersion: version, actorId: options.actorId });
  await logConfigChange(trx, { actorId: options.actorId, kind: 'pack', subject: name, action: change, detail: { name, from: previousVersion, to: pack.info.version, modelVersion: version } });
  await options.hooks?.beforeCommit?.();
  return report('applied', version);
}

/**
 * The base of a pack installed before installs were recorded: its documents in the model version
 * that install produced (the pack's files as they were, since installs then replaced its entities
 * and workflows whole). Null when that version is gone: every difference is then a conflict.
 */
async function unrecordedBase(trx: Transaction<SystemTables>, name: string, version: string): Promise<SourceFile[] | null> {
  const row = await trx.selectFrom('peyvand.model_versions').select('model').where('source', '=', `pack ${name}@${version}`).orderBy('version', 'desc').limit(1).executeTakeFirst();
  if (!row) return null;
  const stored = (typeof row.model === 'string' ? JSON.parse(row.model) : row.model) as Omit<Model, 'workflows'> & { workflows?: Model['workflows'] };
  return exportPackFiles({ model: { ...stored, workflows: stored.workflows ?? [] }, packName: name, installed: null });
}

function changeOf(comparison: number): PackChange {
  return comparison > 0 ? 'upgrade' : comparison < 0 ? 'downgrade' : 'reinstall';
}

function invalidReport(pack: PackReport['pack'], issues: readonly PackIssue[]): PackReport {
  return {
    status: 'invalid',
    pack,
    installed: null,
    change: null,
    refusals: [],
    issues,
    conflicts: [],
    unusedResolutions: [],
    diff: { entities: [], workflows: [] },
    files: [],
    schema: null,
    version: null,
  };
}

function sameFiles(a: readonly SourceFile[], b: readonly SourceFile[]): boolean {
  return a.length === b.length && a.every((f, i) => f.path === b[i]?.path && f.text === b[i]?.text);
}

/** The same pack: JSON files equal as values (an exported copy of a pack is that pack), others byte for byte. */
function sameContent(a: readonly SourceFile[], b: readonly SourceFile[]): boolean {
  return a.length === b.length && a.every((f, i) => f.path === b[i]?.path && sameFile(f, b[i]?.text ?? ''));
}

function sameFile(file: SourceFile, text: string): boolean {
  if (file.text === text) return true;
  const kind = classifyPackFile(file.path);
  if (kind?.format !== 'json') return false;
  const keepOrder = kind.keepOrder ?? [];
  try {
    return packJson(JSON.parse(file.text), { keepOrder }) === packJson(JSON.parse(text), { keepOrder });
  } catch {
    return false;
  }
}

/** Changes to the files of kinds the model does not hold (installed as they come); the manifest's show in the report's head. */
function fileChanges(before: readonly SourceFile[], after: readonly SourceFile[]): FileChange[] {
  const kinds: readonly PackFileKind[] = Object.values(PACK_FILE_KINDS);
  const carried = (path: string) => kinds.some((k) => k.merge.mode === 'incoming' && k.name !== 'manifest' && k.pattern.test(path));
  const out: FileChange[] = [];
  for (const file of after.filter((f) => carried(f.path))) {
    const was = before.find((f) => f.path === file.path);
    if (!was) out.push({ path: file.path, change: 'added' });
    else if (!sameFile(was, file.text)) out.push({ path: file.path, change: 'changed' });
  }
  for (const file of before.filter((f) => carried(f.path))) if (!after.some((f) => f.path === file.path)) out.push({ path: file.path, change: 'removed' });
  return out;
}

/**
 * `database` with its `transaction()` joining `trx`: `applyModel` opens its own transaction, and
 * this makes it run inside ours, so that the installed-pack record commits with the model or not
 * at all. (Every other method runs on `trx`; nothing here ever reaches another connection.)
 */
function inTransaction(database: Database, trx: Transaction<SystemTables>): Database {
  const joined = new Proxy(trx, {
    get(target, property) {
      if (property === 'transaction') return () => ({ execute: <T>(run: (t: Transaction<SystemTables>) => Promise<T>) => run(target) });
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { kind: database.kind, db: joined, listen: (channel, onMessage) => database.listen(channel, onMessage), close: () => Promise.reject(new Error('a joined transaction is closed by its owner')) };
}

// ---- export and listing ---------------------------------------------------------------------

/** The files of an installed pack as the deployment has it now; null when it is not installed. */
export async function exportInstalledPack(database: Database, name: string): Promise<readonly SourceFile[] | null> {
  const current = await loadCurrentModel(database.db);
  const installed = await findInstalledPack(database.db, name);
  if (!installed && !current.model.packs.some((p) => p.name === name)) return null;
  return exportPackFiles({ model: current.model, packName: name, installed: installed?.files ?? null });
}

export interface PackListing {
  readonly name: string;
  readonly version: string;
  readonly title: LocalizedText;
  readonly entities: number;
  readonly workflows: number;
  /** Null for a pack installed before installs were recorded. */
  readonly installed: Omit<InstalledPack, 'files'> | null;
}

/** The packs of the deployment's model, with their install records. */
export async function listPacks(database: Database): Promise<PackListing[]> {
  const current = await loadCurrentModel(database.db);
  const rows = await listInstalledPacks(database.db);
  return current.model.packs.map((info) => {
    const row = rows.find((r) => r.name === info.name);
    return {
      name: info.name,
      version: info.version,
      title: info.title,
      entities: current.model.entities.filter((e) => e.pack === info.name).length,
      workflows: current.model.workflows.filter((w) => w.pack === info.name).length,
      installed: row ? { name: row.name, version: row.version, modelVersion: row.modelVersion, appliedAt: row.appliedAt, appliedBy: row.appliedBy, appliedByName: row.appliedByName } : null,
    };
  });
}

// ---- the earlier API, kept for its callers ----------------------------------------------------

export type PackApplyOutcome =
  | { readonly ok: true; readonly pack: PackModel; readonly result: ApplyResult; readonly report: PackReport }
  | { readonly ok: false; readonly issues: readonly PackIssue[]; readonly report?: PackReport };

export async function applyPackFolder(
  database: Database,
  dir: string,
  options: { readonly actorId: string | null; readonly allowDestructive?: boolean; readonly dryRun?: boolean; readonly resolveAll?: PackInstallOptions['resolveAll'] },
): Promise<PackApplyOutcome> {
  const checked = await validatePackFolder(dir);
  if (!checked.ok) return checked;
  return applyPack(database, checked.pack, options);
}

/**
 * Installs a pack and answers with the migration's result. Conflicts with changes made in the
 * designer, and downgrades, are refused here as issues (`installPack` lets the caller resolve them).
 */
export async function applyPack(database: Database, pack: PackModel, options: PackInstallOptions): Promise<PackApplyOutcome> {
  const report = await installPack(database, pack, options);
  if (report.status === 'invalid' || !report.schema) return { ok: false, issues: report.issues, report };
  const blocking: PackIssue[] = [
    ...report.conflicts
      .filter((c) => c.resolution === null)
      .map((c) => ({ file: c.file, pointer: c.pointer, message: `changed both in this deployment and by the pack (${c.kind} conflict): choose whose version to keep` })),
    ...(report.refusals.includes('downgrade') ? [{ file: 'pack.json', pointer: '/version', message: `${pack.info.version} is older than the installed ${report.installed?.version ?? ''}; a downgrade must be confirmed` }] : []),
  ];
  if (blocking.length > 0) return { ok: false, issues: blocking, report };
  return { ok: true, pack, result: report.schema, report };
}
