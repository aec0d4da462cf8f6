import type { Actions, PageServerLoad } from './$types';
import { loadWorkflowEditor, workflowEditorActions } from '$lib/server/designer/workflow-page.ts';
import { identityOf } from '$lib/server/rules/workflow-identity.ts';

export const load: PageServerLoad = async (event) => {
  const editor = await loadWorkflowEditor(event, event.params.name);
  return { ...editor, identity: await identityOf(event.locals.runtime.database.db, event.params.name) };
};

export const actions = workflowEditorActions((event) => event.params.name ?? null) satisfies Actions;
