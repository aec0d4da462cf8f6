import type { Actions, PageServerLoad } from './$types';
import { loadRecordAccess, recordAccessActions } from '$lib/server/access/access-pages.ts';

export const load: PageServerLoad = (event) => loadRecordAccess(event);

export const actions = recordAccessActions satisfies Actions;
