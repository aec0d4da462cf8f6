import type { PageServerLoad } from './$types';
import { requireAdmin } from '$lib/server/designer/entity-page.ts';

export const load: PageServerLoad = async ({ locals, url }) => {
  const user = requireAdmin(locals, url);
  const model = await locals.runtime.caller(user).meta.model();
  const removed = url.searchParams.get('removed');
  return {
    locale: locals.locale,
    entities: model.entities.map((e) => ({ name: e.name, label: e.label, plural: e.pluralLabel, fields: e.fields.length, pack: e.pack ?? null })),
    removed: removed !== null && /^[a-z][a-z0-9_]{0,39}$/.test(removed) ? removed : null,
  };
};
