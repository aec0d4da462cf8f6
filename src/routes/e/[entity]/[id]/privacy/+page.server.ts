import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { erasePerson, personalFields, privacyRequests } from '$lib/server/privacy/privacy-service.ts';
import { privacySubject } from './privacy-page.ts';

export const load: PageServerLoad = async ({ params, locals }) => {
  const { entity, record, title } = await privacySubject(locals, params);
  const { personal, kept } = personalFields(entity);
  return {
    entity: { name: entity.name, label: entity.label, pluralLabel: entity.pluralLabel },
    id: String(record.id),
    title,
    personal: personal.map((f) => ({ name: f.name, label: f.label })),
    kept: kept.map((f) => ({ name: f.name, label: f.label })),
    requests: await privacyRequests(locals.runtime.database.db, entity.name, String(record.id)),
  };
};

export const actions: Actions = {
  erase: async ({ params, locals, request }) => {
    const { user, model, entity, record, title } = await privacySubject(locals, params);
    const form = await request.formData();
    const typed = form.get('confirm');
    if (typeof typed !== 'string' || typed.trim().normalize('NFC') !== title.trim().normalize('NFC')) return fail(400, { mismatch: true as const });
    const result = await erasePerson(locals.runtime.database.db, model, { entity: entity.name, id: String(record.id), actorId: user.id });
    if (!result.ok) return fail(404, { error: result.message });
    return { erased: result.value };
  },
};
