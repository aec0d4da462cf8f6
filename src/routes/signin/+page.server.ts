import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { signIn } from '$lib/server/auth/users.ts';
import { minutesToWait } from '$lib/server/auth/rate-limit.ts';
import { setSessionCookie } from '$lib/server/session.ts';

/** Only paths of this site, never another origin (no open redirect). */
function safeNext(value: FormDataEntryValue | string | null): string {
  const next = typeof value === 'string' ? value : '/';
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

export const load: PageServerLoad = ({ locals, url }) => {
  if (locals.user) redirect(303, safeNext(url.searchParams.get('next')));
  return { next: safeNext(url.searchParams.get('next')) };
};

export const actions: Actions = {
  default: async ({ request, locals, cookies, getClientAddress, url }) => {
    const form = await request.formData();
    const email = String(form.get('email') ?? '').trim();
    const password = String(form.get('password') ?? '');
    const result = await signIn(locals.runtime.database.db, { email, password, clientAddress: getClientAddress() });
    if (!result.ok) {
      if (result.error.code === 'too-many-attempts') {
        return fail(429, { email, error: 'signin.tooManyMinutes' as const, minutes: minutesToWait(result.error.retryAfterSeconds ?? 60) });
      }
      return fail(400, { email, error: 'signin.failed' as const, minutes: 0 });
    }
    setSessionCookie(cookies, result.token, url.protocol === 'https:', result.expiresAt);
    redirect(303, result.user.mustChangePassword ? '/account/password' : safeNext(form.get('next')));
  },
};
