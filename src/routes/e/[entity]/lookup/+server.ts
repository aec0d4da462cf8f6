import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { entityCaller, entityFromUrl, titleOf } from '$lib/server/records/page-support.ts';

/** Search-as-you-type for relation pickers: `[{ id, title }]`, through the same API checks. */
export const GET: RequestHandler = async ({ params, url, locals }) => {
  if (!locals.user) return json([], { status: 401 });
  const entity = entityFromUrl(locals.runtime.current().model, params.entity, locals.access);
  const q = (url.searchParams.get('q') ?? '').trim().slice(0, 100);
  const caller = entityCaller(locals.runtime, locals.user, entity.name);
  const page = await caller.list({ ...(q ? { search: q.split(/\s+/).slice(0, 8).join(' ') } : {}), limit: 10 });
  return json(page.items.map((item) => ({ id: item.id, title: titleOf(entity, item) })));
};
