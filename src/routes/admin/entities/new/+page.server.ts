import type { Actions, PageServerLoad } from './$types';
import { entityActions, loadEntityPage } from '$lib/server/designer/entity-page.ts';

export const load: PageServerLoad = (event) => loadEntityPage(event, null);

const { edit, review, apply } = entityActions(() => null);
export const actions = { edit, review, apply } satisfies Actions;
