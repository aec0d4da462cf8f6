import type { PageServerLoad } from './$types';
import { loadRunPage } from '$lib/server/data/import-pages.ts';

export const load: PageServerLoad = ({ params, locals }) => loadRunPage(locals, params.entity, params.upload);
