import type { RequestHandler } from './$types';
import { progressRequest } from '$lib/server/data/import-pages.ts';

/** The running job's progress and, when it ends, its result (polled by the run page). */
export const GET: RequestHandler = ({ params, locals }) => progressRequest(locals, params.entity, params.upload);
