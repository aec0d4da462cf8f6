import type { Actions, PageServerLoad } from './$types';
import { loadMappingPage, mappingAction } from '$lib/server/data/import-pages.ts';

export const load: PageServerLoad = ({ params, locals, url }) => loadMappingPage(locals, params.entity, params.upload, url);

export const actions: Actions = {
  check: ({ params, locals, request }) => mappingAction(locals, params.entity, params.upload, request, 'check'),
  import: ({ params, locals, request }) => mappingAction(locals, params.entity, params.upload, request, 'import'),
  save: ({ params, locals, request }) => mappingAction(locals, params.entity, params.upload, request, 'save'),
};
