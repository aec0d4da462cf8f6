import type { RequestHandler } from './$types';
import { uploadRequest } from '$lib/server/data/import-pages.ts';

/** The chunked upload of the import page: POST ?name= → { id }; PUT ?id=&offset= bytes; POST ?id=&finish=1 → { url }. */
export const POST: RequestHandler = ({ params, locals, request, url }) => uploadRequest(locals, params.entity, request, url);
export const PUT: RequestHandler = ({ params, locals, request, url }) => uploadRequest(locals, params.entity, request, url);
