/** `workflows/<name>.json`: trigger, condition, actions (schemas/workflow.schema.json). */
import { loadWorkflowDocuments } from '../../rules/load-workflows.ts';
import { packJson } from '../pack-json.ts';
import type { PackFileKind } from './pack-file-kind.ts';

export const workflowsKind = {
  name: 'workflows',
  layout: 'workflows/<name>.json',
  pattern: /^workflows\/[^/]+\.json$/,
  format: 'json',
  maxBytes: 1_000_000,
  metaSchema: 'workflow.schema.json',
  merge: { mode: 'three-way', rules: { collections: [] }, identity: { key: 'name', renamedFrom: null, path: (name: string) => `workflows/${name}.json` } },
  load(files, context) {
    const loaded = loadWorkflowDocuments(files, context.manifest?.info.name ?? null);
    if (!loaded.ok) {
      for (const issue of loaded.issues) context.report(issue.file, issue.pointer, issue.message);
      return {};
    }
    return { workflows: loaded.workflows };
  },
  export({ model, packName }) {
    return model.workflows.filter((w) => w.pack === packName).map((w) => ({ path: `workflows/${w.name}.json`, text: packJson(w.document) }));
  },
} as const satisfies PackFileKind;
