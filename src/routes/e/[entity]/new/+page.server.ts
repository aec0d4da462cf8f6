import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { entityCaller, entityFromUrl } from '$lib/server/records/page-support.ts';
import { readRecordForm, refusal } from '$lib/server/records/form-actions.ts';

export const load: PageServerLoad = ({ params, locals }) => ({ entity: entityFromUrl(locals.runtime.current().model, params.entity, locals.access) });

export const actions: Actions = {
  default: async ({ request, params, locals }) => {
    const user = locals.user;
    if (!user) redirect(303, '/signin');
    const entity = entityFromUrl(locals.runtime.current().model, params.entity, locals.access);
    const { decoded, errors } = await readRecordForm(request, entity, locals, 'create');
    if (decoded.issues.length > 0) return fail(400, { values: decoded.values, errors, message: null });
    let id: string;
    try {
      id = String((await entityCaller(locals.runtime, user, entity.name).create(decoded.values)).id);
    } catch (error) {
      return refusal(error, locals, decoded.values);
    }
    redirect(303, `/e/${entity.name}/${id}`);
  },
};
