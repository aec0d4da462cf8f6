/**
 * The workflows shipped with the platform (the top-level `workflows/` folder): birthday greeting,
 * first-anniversary thank-you, follow-up of quiet deals. `peyvand serve --demo` installs the ones
 * whose entities and fields the deployment has; an admin can edit or switch them off afterwards.
 */
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from '../db/database.ts';
import { loadCurrentModel } from '../schema/model-store.ts';
import { loadWorkflowDocument, saveWorkflow } from './workflow-service.ts';

export const BUILTIN_WORKFLOWS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'workflows');

export async function readBuiltinWorkflows(dir = BUILTIN_WORKFLOWS_DIR): Promise<{ file: string; document: unknown }[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  return Promise.all(names.map(async (name) => ({ file: name, document: JSON.parse(await readFile(join(dir, name), 'utf8')) as unknown })));
}

export interface BuiltinInstall {
  readonly installed: string[];
  /** Not installed, with the reason (e.g. the entity it needs is missing). */
  readonly skipped: { readonly file: string; readonly reason: string }[];
}

/** Installs each built-in workflow that is not there yet and fits the model. */
export async function installBuiltinWorkflows(database: Database, actorId: string | null, dir = BUILTIN_WORKFLOWS_DIR): Promise<BuiltinInstall> {
  const installed: string[] = [];
  const skipped: { file: string; reason: string }[] = [];
  for (const { file, document } of await readBuiltinWorkflows(dir)) {
    const { model } = await loadCurrentModel(database.db);
    const name = (document as { name?: unknown }).name;
    if (model.workflows.some((w) => w.name === name)) continue;
    const checked = loadWorkflowDocument(model, document);
    if (!checked.ok) {
      skipped.push({ file, reason: checked.message });
      continue;
    }
    const saved = await saveWorkflow(database, { document, actorId });
    if (saved.ok) installed.push(saved.value.workflow.name);
    else skipped.push({ file, reason: saved.message });
  }
  return { installed, skipped };
}
