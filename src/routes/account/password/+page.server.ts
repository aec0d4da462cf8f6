import { fail, redirect } from '@sveltejs/kit';
import type { Actions } from './$types';
import { changePassword, openSession } from '$lib/server/auth/users.ts';
import { setSessionCookie } from '$lib/server/session.ts';

export const actions: Actions = {
  default: async ({ request, locals, cookies, url }) => {
    if (!locals.user) redirect(303, '/signin');
    const form = await request.formData();
    const db = locals.runtime.database.db;
    const result = await changePassword(db, locals.user.id, String(form.get('current') ?? ''), String(form.get('password') ?? ''));
    if (!result.ok) return fail(400, { error: result.error.message });
    // The change ended every session, this one too: this browser continues on a new one.
    const session = await openSession(db, locals.user.id);
    setSessionCookie(cookies, session.token, url.protocol === 'https:', session.expiresAt);
    locals.runtime.forgetAuthentications();
    redirect(303, '/');
  },
};
