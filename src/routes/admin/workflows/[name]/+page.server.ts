import type { Actions, PageServerLoad } from './$types';
import { loadWorkflowEditor, workflowEditorActions } from '$lib/server/designer/workflow-page.ts';

export const load: PageServerLoad = (event) => loadWorkflowEditor(event, event.params.name);

export const actions = workflowEditorActions((event) => event.params.name ?? null) satisfies Actions;
