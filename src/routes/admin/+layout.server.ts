import type { LayoutServerLoad } from './$types';
import { requireAdmin } from '$lib/server/designer/entity-page.ts';

/** The designer is for administrators: anonymous visitors sign in first, others get a 403 page. */
export const load: LayoutServerLoad = ({ locals, url }) => {
  requireAdmin(locals, url);
  return {};
};
