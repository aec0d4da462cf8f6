import type { Actions, PageServerLoad } from './$types';
import { loadWorkflowEditor, workflowEditorActions } from '$lib/server/designer/workflow-page.ts';

export const load: PageServerLoad = (event) => loadWorkflowEditor(event, null);

export const actions = workflowEditorActions(() => null) satisfies Actions;
