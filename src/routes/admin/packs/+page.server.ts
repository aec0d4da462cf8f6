import type { Actions, PageServerLoad } from './$types';
import { loadPacksPage, packsActions } from '$lib/server/packs/packs-page.ts';

export const load: PageServerLoad = (event) => loadPacksPage(event);

export const actions = packsActions satisfies Actions;
