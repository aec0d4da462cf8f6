import type { Actions, PageServerLoad } from './$types';
import { loadRoleEditor, roleEditorActions } from '$lib/server/access/access-pages.ts';

export const load: PageServerLoad = (event) => loadRoleEditor(event);

export const actions = roleEditorActions satisfies Actions;
