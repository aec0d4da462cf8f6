import { fail, redirect } from '@sveltejs/kit';
import { TRPCError } from '@trpc/server';
import type { Actions, PageServerLoad } from './$types';
import { entityCaller, entityFromUrl, relationTitles } from '$lib/server/records/page-support.ts';
import { filterOf, readListParams, visibleColumns } from '$lib/records/list-params.ts';
import type { RecordOutput } from '$lib/server/records/record-service.ts';
import { FIELD_TYPES } from '$lib/fields/registry.ts';
import { can } from '$lib/server/auth/permissions.ts';

const PAGE_SIZE = 50;

export const load: PageServerLoad = async ({ params, url, locals }) => {
  const user = locals.user;
  if (!user) return { items: [], error: null };
  const entity = entityFromUrl(locals.runtime.current().model, params.entity, locals.access);
  const state = readListParams(url.searchParams);
  const caller = entityCaller(locals.runtime, user, entity.name);
  let page: { items: RecordOutput[]; nextCursor: string | null; total?: number; totalIsAtLeast?: boolean } = { items: [], nextCursor: null };
  let problem: string | null = null;
  // The saved views do not depend on the page: fetch them while the list runs.
  const views = caller.views();
  views.catch(() => undefined); // awaited below; this only keeps an early failure of the list from leaving it unhandled
  try {
    const filter = filterOf(entity, state);
    page = await caller.list({
      ...(filter ? { filter } : {}),
      ...(state.sort.length > 0 ? { sort: state.sort } : {}),
      ...(state.search ? { search: state.search } : {}),
      ...(state.cursor ? { cursor: state.cursor } : {}),
      limit: PAGE_SIZE,
      // Counting stops at 10,000 (shown as "10,000+"): a first page must not scan a million rows.
      ...(state.cursor ? {} : { includeTotal: { upTo: 10_000 } }),
    });
  } catch (error) {
    if (!(error instanceof TRPCError) || error.code === 'INTERNAL_SERVER_ERROR') throw error;
    problem = error.message;
  }
  // What the user's role lets them do here: the page offers only that.
  const may = (action: 'record.create' | 'record.export' | 'record.import' | 'record.update' | 'record.delete') => can(user, { action, entity: entity.name }, locals.access).allowed;
  return {
    may: { create: may('record.create'), export: may('record.export'), import: may('record.import'), update: may('record.update'), delete: may('record.delete') },
    entity,
    state,
    columns: visibleColumns(entity, state),
    items: page.items,
    nextCursor: page.nextCursor,
    total: page.total ?? null,
    totalIsAtLeast: page.totalIsAtLeast === true,
    titles: await relationTitles(locals.runtime, user, entity, page.items),
    views: await views,
    error: problem,
  };
};

export const actions: Actions = {
  /** Saves the list as it is shown now (filters, sort, columns, search) under a name. */
  saveView: async ({ request, params, locals }) => {
    const user = locals.user;
    if (!user) return fail(401, { viewError: 'sign in' });
    const entity = entityFromUrl(locals.runtime.current().model, params.entity, locals.access);
    const form = await request.formData();
    try {
      await entityCaller(locals.runtime, user, entity.name).saveView({ name: String(form.get('name') ?? ''), query: String(form.get('query') ?? ''), shared: form.get('shared') === 'on' });
    } catch (error) {
      if (error instanceof TRPCError && error.code !== 'INTERNAL_SERVER_ERROR') return fail(400, { viewError: error.message });
      throw error;
    }
    // Back to the list as it was, now with the view in the menu.
    const query = String(form.get('query') ?? '');
    redirect(303, `/e/${entity.name}${query ? `?${query}` : ''}`);
  },
  deleteView: async ({ request, params, locals }) => {
    const user = locals.user;
    if (!user) return fail(401, { viewError: 'sign in' });
    const entity = entityFromUrl(locals.runtime.current().model, params.entity, locals.access);
    const form = await request.formData();
    try {
      await entityCaller(locals.runtime, user, entity.name).deleteView({ id: String(form.get('id') ?? '') });
    } catch (error) {
      if (error instanceof TRPCError && error.code !== 'INTERNAL_SERVER_ERROR') return fail(400, { viewError: error.message });
      throw error;
    }
    redirect(303, `/e/${entity.name}`);
  },
  /** Bulk actions on the selected rows: delete, or set one field to one value. */
  bulk: async ({ request, params, locals }) => {
    const user = locals.user;
    if (!user) return fail(401, { bulkError: 'sign in' });
    const entity = entityFromUrl(locals.runtime.current().model, params.entity, locals.access);
    const form = await request.formData();
    const ids = form.getAll('selected').map(String).slice(0, 200);
    const operation = String(form.get('operation') ?? '');
    const caller = entityCaller(locals.runtime, user, entity.name);
    let done = 0;
    const failures: string[] = [];
    for (const id of ids) {
      try {
        if (operation === 'delete') {
          await caller.delete({ id });
        } else if (operation === 'set') {
          const field = entity.fields.find((f) => f.name === String(form.get('field') ?? ''));
          if (!field) return fail(400, { bulkError: 'unknown field' });
          // The typed text is read the way an import reads a cell (digits, labels, dates …).
          const parsed = FIELD_TYPES[field.type].parseCsv(field, String(form.get('value') ?? ''));
          if (!parsed.ok) return fail(400, { bulkError: parsed.message });
          const current = await caller.get({ id });
          await caller.update({ id, version: Number(current.version), values: { [field.name]: parsed.value } });
        } else {
          return fail(400, { bulkError: 'unknown operation' });
        }
        done++;
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
    }
    return { bulkDone: done, bulkFailed: failures.length, bulkError: failures[0] ?? null };
  },
};
