import type { RequestHandler } from './$types';
import { handleTrpcFetch } from '$lib/server/api/http.ts';

const handler: RequestHandler = ({ request, locals, getClientAddress }) => handleTrpcFetch(locals.runtime, request, { clientAddress: getClientAddress() });

export const GET = handler;
export const POST = handler;
