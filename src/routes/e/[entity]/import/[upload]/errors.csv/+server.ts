import type { RequestHandler } from './$types';
import { errorReportRequest } from '$lib/server/data/import-pages.ts';

/** Every problem of the last check or import, one line each, as CSV. */
export const GET: RequestHandler = ({ params, locals }) => errorReportRequest(locals, params.entity, params.upload);
