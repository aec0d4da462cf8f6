import { error, fail, redirect } from '@sveltejs/kit';
import { TRPCError } from '@trpc/server';
import type { Actions, PageServerLoad } from './$types';
import { entityCaller, entityFromUrl, relationTitles, titleOf } from '$lib/server/records/page-support.ts';
import { readRecordForm, refusal } from '$lib/server/records/form-actions.ts';
import { peyvandDetail } from '$lib/server/api/trpc.ts';
import type { JsonValue } from '$lib/model/types.ts';

export const load: PageServerLoad = async ({ params, locals }) => {
  const user = locals.user;
  if (!user) redirect(303, '/signin');
  const entity = entityFromUrl(locals.runtime.current().model, params.entity, locals.access);
  try {
    const record = await entityCaller(locals.runtime, user, entity.name).get({ id: params.id });
    return { entity, record, title: titleOf(entity, record), titles: await relationTitles(locals.runtime, user, entity, [record]) };
  } catch (cause) {
    if (cause instanceof TRPCError && cause.code === 'NOT_FOUND') error(404, 'not found');
    throw cause;
  }
};

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

export const actions: Actions = {
  /** Saves the edited fields against the version the form was loaded with. */
  save: async ({ request, params, locals }) => {
    const user = locals.user;
    if (!user) redirect(303, '/signin');
    const entity = entityFromUrl(locals.runtime.current().model, params.entity, locals.access);
    const { decoded, errors } = await readRecordForm(request, entity, locals, 'edit');
    if (decoded.issues.length > 0 || decoded.version === null) return fail(400, { values: decoded.values, errors, message: null });
    try {
      await entityCaller(locals.runtime, user, entity.name).update({ id: params.id, version: decoded.version, values: decoded.values });
    } catch (cause) {
      const detail = peyvandDetail(cause);
      if (cause instanceof TRPCError && cause.code === 'CONFLICT' && detail?.current) {
        // Someone saved first: show both values of every field that now differs; overwrite nothing.
        const theirs = detail.current;
        const fields = Object.keys(decoded.values).filter((name) => !same(decoded.values[name], theirs[name]));
        return fail(409, { values: decoded.values, errors: {}, message: null, conflict: { mine: decoded.values, theirs, fields, version: Number(theirs.version) } });
      }
      return refusal(cause, locals, decoded.values);
    }
    redirect(303, `/e/${entity.name}/${params.id}`);
  },
  /** After a conflict: for each field, the user chose their value or the stored one. */
  resolve: async ({ request, params, locals }) => {
    const user = locals.user;
    if (!user) redirect(303, '/signin');
    const entity = entityFromUrl(locals.runtime.current().model, params.entity, locals.access);
    const form = await request.formData();
    let mine: Record<string, JsonValue | null>;
    try {
      mine = JSON.parse(String(form.get('mine') ?? '{}')) as Record<string, JsonValue | null>;
    } catch {
      return fail(400, { values: {}, errors: {}, message: 'invalid form' });
    }
    const values: Record<string, JsonValue | null> = {};
    for (const [name, value] of Object.entries(mine)) {
      if (!entity.fields.some((f) => f.name === name)) continue;
      if (form.get(`choice.${name}`) !== 'theirs') values[name] = value;
    }
    try {
      await entityCaller(locals.runtime, user, entity.name).update({ id: params.id, version: Number(form.get('version')), values });
    } catch (cause) {
      return refusal(cause, locals, values);
    }
    redirect(303, `/e/${entity.name}/${params.id}`);
  },
};
