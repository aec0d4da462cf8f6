import type { PageServerLoad } from './$types';
import { loadAuditPage } from '$lib/server/audit/audit-page.ts';

export const load: PageServerLoad = (event) => loadAuditPage(event);
