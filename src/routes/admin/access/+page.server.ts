import type { Actions, PageServerLoad } from './$types';
import { loadRolesPage, rolesActions } from '$lib/server/access/access-pages.ts';

export const load: PageServerLoad = (event) => loadRolesPage(event);

export const actions = rolesActions satisfies Actions;
