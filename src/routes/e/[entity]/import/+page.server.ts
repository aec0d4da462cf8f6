import type { Actions, PageServerLoad } from './$types';
import { deleteTemplateAction, loadImportStart, uploadFormAction } from '$lib/server/data/import-pages.ts';

export const load: PageServerLoad = ({ params, locals }) => loadImportStart(locals, params.entity);

export const actions: Actions = {
  /** Without JavaScript: the file in one form post (the page's script uploads in chunks instead). */
  upload: ({ params, locals, request }) => uploadFormAction(locals, params.entity, request),
  deleteTemplate: ({ params, locals, request }) => deleteTemplateAction(locals, params.entity, request),
};
