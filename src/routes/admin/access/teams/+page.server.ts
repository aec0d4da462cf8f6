import type { Actions, PageServerLoad } from './$types';
import { loadTeamsPage, teamsActions } from '$lib/server/access/access-pages.ts';

export const load: PageServerLoad = (event) => loadTeamsPage(event);

export const actions = teamsActions satisfies Actions;
