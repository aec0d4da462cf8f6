import type { Actions, PageServerLoad } from './$types';
import { loadRun, retryRunAction } from '$lib/server/rules/automation-pages.ts';

export const load: PageServerLoad = (event) => loadRun(event, event.params.id);

export const actions = { retry: retryRunAction } satisfies Actions;
