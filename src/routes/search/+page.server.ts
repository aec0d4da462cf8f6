import type { PageServerLoad } from './$types';
import { listRecords } from '$lib/server/records/record-service.ts';
import { can } from '$lib/server/auth/permissions.ts';

const PER_ENTITY = 5;

export const load: PageServerLoad = async ({ url, locals }) => {
  const query = (url.searchParams.get('q') ?? '').trim().slice(0, 200);
  if (!query || !locals.user || !locals.access) return { query, groups: [] };
  const access = locals.access;
  const { model } = locals.runtime.current();
  const user = locals.user;
  const groups = [];
  for (const entity of model.entities) {
    // The same permission check the API makes, per entity.
    if (!can(user, { action: 'record.read', entity: entity.name }, access).allowed) continue;
    const result = await listRecords({ db: locals.runtime.database.db, actorId: user.id, access }, entity, { search: query.split(/\s+/).slice(0, 8).join(' '), limit: PER_ENTITY });
    if (!result.ok || result.value.items.length === 0) continue;
    groups.push({
      entity: { name: entity.name, plural: entity.pluralLabel },
      items: result.value.items.map((r) => ({ id: String(r.id), title: entity.titleField ? String(r[entity.titleField] ?? r.id) : String(r.id) })), // a hidden title field is absent from r: the id stands in
    });
  }
  return { query, groups };
};
