import { error, fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { requireAdmin } from '$lib/server/designer/entity-page.ts';
import { findWorkflow } from '$lib/model/types.ts';
import { identityOf } from '$lib/server/rules/workflow-identity.ts';

/** Who a workflow runs as: an administrator grants it a user, or leaves it to the platform. */
export const load: PageServerLoad = async ({ locals, url, params }) => {
  requireAdmin(locals, url);
  const workflow = findWorkflow(locals.runtime.current().model, params.name);
  if (!workflow) error(404, 'not found');
  const db = locals.runtime.database.db;
  const users = await db.selectFrom('peyvand.users').select(['email', 'name']).where('disabled_at', 'is', null).orderBy('email').limit(1000).execute();
  return { workflow: { name: workflow.name, title: workflow.label }, identity: await identityOf(db, workflow.name), users };
};

export const actions: Actions = {
  default: async ({ locals, url, params, request }) => {
    const admin = requireAdmin(locals, url);
    const form = await request.formData();
    const email = String(form.get('email') ?? '');
    try {
      await locals.runtime.caller(admin).workflows.setIdentity({ name: params.name, email: email === '' ? null : email });
    } catch (e) {
      return fail(400, { error: e instanceof Error ? e.message : String(e) });
    }
    redirect(303, `/admin/workflows/${encodeURIComponent(params.name)}/identity?saved=1`);
  },
};
