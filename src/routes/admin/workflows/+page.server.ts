import type { Actions, PageServerLoad } from './$types';
import { loadWorkflowList, workflowListActions } from '$lib/server/designer/workflow-page.ts';

export const load: PageServerLoad = (event) => loadWorkflowList(event);

export const actions = workflowListActions satisfies Actions;
