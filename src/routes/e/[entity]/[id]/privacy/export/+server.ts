import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { exportPerson } from '$lib/server/privacy/privacy-service.ts';
import { fileNameOf, privacySubject } from '../privacy-page.ts';

/** POST (it is recorded in the configuration log): the person's data as a JSON download. */
export const POST: RequestHandler = async ({ params, locals }) => {
  const { user, model, entity, record, title } = await privacySubject(locals, params);
  const result = await exportPerson(locals.runtime.database.db, model, { entity: entity.name, id: String(record.id), actorId: user.id });
  if (!result.ok) error(404, result.message);
  const name = fileNameOf(title, String(record.id));
  return new Response(`${JSON.stringify(result.value, null, 2)}\n`, {
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'content-disposition': `attachment; filename="${name.replace(/[^\x20-\x7e]/g, '_').replace(/"/g, '')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
      'cache-control': 'no-store',
    },
  });
};
