import type { RequestHandler } from './$types';
import { handleTrpcFetch } from '$lib/server/api/http.ts';

const handler: RequestHandler = ({ request, locals }) => handleTrpcFetch(locals.runtime, request);

export const GET = handler;
export const POST = handler;
