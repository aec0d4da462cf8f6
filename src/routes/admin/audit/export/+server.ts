import type { RequestHandler } from './$types';
import { auditCsvResponse } from '$lib/server/audit/audit-page.ts';

/** The filtered record changes as CSV (the layout's guard does not cover endpoints: the handler checks). */
export const GET: RequestHandler = (event) => auditCsvResponse(event);
