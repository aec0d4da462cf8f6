import { error, fail, redirect } from '@sveltejs/kit';
import { TRPCError } from '@trpc/server';
import type { Actions, PageServerLoad } from './$types';
import { entityCaller, entityFromUrl, relationTitles, titleOf } from '$lib/server/records/page-support.ts';
import { recordRights, type RecordOutput } from '$lib/server/records/record-service.ts';
import { can } from '$lib/server/auth/permissions.ts';
import { visibleEntity } from '$lib/server/records/record-access.ts';
import { completeTaskAction, recordAutomation, startManualAction } from '$lib/server/rules/automation-pages.ts';

export const load: PageServerLoad = async ({ params, locals }) => {
  const user = locals.user;
  if (!user) redirect(303, '/signin');
  const model = locals.runtime.current().model;
  const entity = entityFromUrl(model, params.entity, locals.access);
  const caller = entityCaller(locals.runtime, user, entity.name);
  let record: RecordOutput;
  try {
    record = await caller.get({ id: params.id });
  } catch (cause) {
    if (cause instanceof TRPCError && cause.code === 'NOT_FOUND') error(404, 'not found');
    throw cause;
  }
  // Records of other entities that point here (a company's contacts and deals), fetched together.
  // Only entities the user may read, through relation fields they may see.
  const access = locals.access;
  const readable = access ? model.entities.filter((e) => can(user, { action: 'record.read', entity: e.name }, access).allowed).map((e) => visibleEntity(access, e)) : [];
  const links = readable.flatMap((other) => other.fields.filter((field) => field.relation?.entity === entity.name).map((field) => ({ other, field })));
  const incoming = await Promise.all(
    links.map(async ({ other, field }) => {
      const page = await entityCaller(locals.runtime, user, other.name).list({ filter: { field: field.name, op: 'eq', value: record.id }, limit: 10, includeTotal: true });
      return {
        entity: { name: other.name, plural: other.pluralLabel },
        field: { name: field.name, label: field.label },
        total: page.total ?? page.items.length,
        items: page.items.map((item) => ({ id: String(item.id), title: titleOf(other, item) })),
      };
    }),
  );
  const [titles, history, automation] = await Promise.all([
    relationTitles(locals.runtime, user, entity, [record]),
    caller.history({ id: params.id }),
    recordAutomation(locals, user, entity, String(record.id)),
  ]);
  // Names of the people an owner change in the history names.
  const ownerIds = [...new Set(history.flatMap((h) => (h.changes.owner ? [h.changes.owner.old, h.changes.owner.new] : [])).filter((v): v is string => typeof v === 'string'))];
  const people = ownerIds.length > 0 ? await locals.runtime.database.db.selectFrom('peyvand.users').select(['id', 'name']).where('id', 'in', ownerIds).execute() : [];
  return {
    entity,
    record,
    title: titleOf(entity, record),
    titles,
    incoming,
    history,
    users: Object.fromEntries(people.map((p) => [p.id, p.name])),
    automation,
    isAdmin: user.isAdmin,
    may: access ? await recordRights({ db: locals.runtime.database.db, actorId: user.id, access }, model.entities.find((e) => e.name === entity.name) ?? entity, String(record.id)) : { update: false, delete: false },
  };
};

export const actions: Actions = {
  delete: async ({ params, locals, request }) => {
    const user = locals.user;
    if (!user) redirect(303, '/signin');
    const entity = entityFromUrl(locals.runtime.current().model, params.entity, locals.access);
    const form = await request.formData();
    try {
      await entityCaller(locals.runtime, user, entity.name).delete({ id: params.id, version: Number(form.get('version')) });
    } catch (cause) {
      if (cause instanceof TRPCError && cause.code !== 'INTERNAL_SERVER_ERROR') return fail(cause.code === 'CONFLICT' ? 409 : 400, { deleteError: cause.message });
      throw cause;
    }
    redirect(303, `/e/${entity.name}`);
  },
  /** Starts one of the entity's manual workflows on this record. */
  runWorkflow: async (event) => startManualAction(event, entityFromUrl(event.locals.runtime.current().model, event.params.entity, event.locals.access), event.params.id),
  completeTask: (event) => completeTaskAction(event),
};
