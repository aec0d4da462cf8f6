import type { Actions, PageServerLoad } from './$types';
import { entityActions, loadEntityPage } from '$lib/server/designer/entity-page.ts';

export const load: PageServerLoad = (event) => loadEntityPage(event, event.params.name);

export const actions = entityActions((event) => event.params.name ?? null) satisfies Actions;
