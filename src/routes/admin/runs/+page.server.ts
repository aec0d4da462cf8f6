import type { Actions, PageServerLoad } from './$types';
import { loadRunList, retryRunAction } from '$lib/server/rules/automation-pages.ts';

export const load: PageServerLoad = (event) => loadRunList(event);

export const actions = { retry: retryRunAction } satisfies Actions;
