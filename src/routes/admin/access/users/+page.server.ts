import type { Actions, PageServerLoad } from './$types';
import { loadUsersPage, usersActions } from '$lib/server/access/access-pages.ts';

export const load: PageServerLoad = (event) => loadUsersPage(event);

export const actions = usersActions satisfies Actions;
