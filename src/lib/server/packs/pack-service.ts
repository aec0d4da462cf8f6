/** validate → plan → apply for a pack folder: what the CLI verbs and the admin API call. */
import { loadPack, type PackIssue, type PackModel } from '../../model/load-pack.ts';
import { composeModel } from '../../model/compose-model.ts';
import type { Database } from '../db/database.ts';
import { applyModel, type ApplyResult } from '../schema/apply.ts';
import { loadCurrentModel } from '../schema/model-store.ts';
import { readPackFolder } from './read-pack.ts';
import { checkWorkflows } from '../rules/check-workflows.ts';

export type PackCheck = { readonly ok: true; readonly pack: PackModel } | { readonly ok: false; readonly issues: readonly PackIssue[] };

export async function validatePackFolder(dir: string): Promise<PackCheck> {
  const source = await readPackFolder(dir);
  return loadPack(source);
}

export type PackApplyOutcome = { readonly ok: true; readonly pack: PackModel; readonly result: ApplyResult } | { readonly ok: false; readonly issues: readonly PackIssue[] };

export async function applyPackFolder(
  database: Database,
  dir: string,
  options: { readonly actorId: string | null; readonly allowDestructive?: boolean; readonly dryRun?: boolean },
): Promise<PackApplyOutcome> {
  const checked = await validatePackFolder(dir);
  if (!checked.ok) return checked;
  return applyPack(database, checked.pack, options);
}

export async function applyPack(
  database: Database,
  pack: PackModel,
  options: { readonly actorId: string | null; readonly allowDestructive?: boolean; readonly dryRun?: boolean },
): Promise<PackApplyOutcome> {
  const current = await loadCurrentModel(database.db);
  const composed = composeModel(current.model, pack);
  if (!composed.ok) return { ok: false, issues: composed.issues };
  // Every workflow must still be runnable: the pack's own, and others' that use its entities.
  const workflowIssues = checkWorkflows(composed.model);
  if (workflowIssues.length > 0) return { ok: false, issues: workflowIssues };
  const result = await applyModel(database, {
    model: composed.model,
    source: `pack ${pack.info.name}@${pack.info.version}`,
    actorId: options.actorId,
    allowDestructive: options.allowDestructive ?? false,
    dryRun: options.dryRun ?? false,
  });
  return { ok: true, pack, result };
}
