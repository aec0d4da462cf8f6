import type { Actions, PageServerLoad } from './$types';
import { completeTaskAction, loadTasksPage } from '$lib/server/rules/automation-pages.ts';

export const load: PageServerLoad = (event) => loadTasksPage(event);

export const actions = { done: completeTaskAction } satisfies Actions;
