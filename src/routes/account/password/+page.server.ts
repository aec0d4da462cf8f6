import { fail, redirect } from '@sveltejs/kit';
import type { Actions } from './$types';
import { changePassword } from '$lib/server/auth/users.ts';

export const actions: Actions = {
  default: async ({ request, locals }) => {
    if (!locals.user) redirect(303, '/signin');
    const form = await request.formData();
    const result = await changePassword(locals.runtime.database.db, locals.user.id, String(form.get('current') ?? ''), String(form.get('password') ?? ''));
    if (!result.ok) return fail(400, { error: result.error.message });
    locals.runtime.forgetAuthentications();
    redirect(303, '/');
  },
};
