import type { RequestHandler } from './$types';
import { exportRequest } from '$lib/server/data/export-request.ts';

/** The list as it is shown (filters, sort, search) as CSV or XLSX: ?format=csv|xlsx plus the list's query. */
export const GET: RequestHandler = ({ params, locals, url }) => exportRequest(locals, params.entity, url);
