import type { RequestHandler } from './$types';
import { downloadPack } from '$lib/server/packs/packs-page.ts';

/** The installed pack as one bundle file (admins only). */
export const GET: RequestHandler = (event) => downloadPack(event);
