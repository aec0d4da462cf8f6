import { redirect } from '@sveltejs/kit';
import type { Actions } from './$types';
import { revokeTokenBySecret } from '$lib/server/auth/tokens.ts';
import { clearSessionCookie } from '$lib/server/session.ts';

export const actions: Actions = {
  default: async ({ locals, cookies }) => {
    if (locals.session) await revokeTokenBySecret(locals.runtime.database.db, locals.session);
    locals.runtime.forgetAuthentications();
    clearSessionCookie(cookies);
    redirect(303, '/signin');
  },
};
