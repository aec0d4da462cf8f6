import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { createToken, listTokens, MAX_TOKEN_DAYS, parseTokenScopes, revokeToken, SESSION_TTL_HOURS, tokenIdOf } from '$lib/server/auth/tokens.ts';
import { signOutEverywhere } from '$lib/server/auth/users.ts';
import { TOKEN_SCOPES } from '$lib/server/auth/permissions.ts';
import { clearSessionCookie } from '$lib/server/session.ts';

/** Expiry choices offered on the form (days; 0: never). */
const EXPIRY_CHOICES = [30, 90, 365, 0] as const;

export const load: PageServerLoad = async ({ locals }) => {
  if (!locals.user) redirect(303, '/signin?next=/account');
  const db = locals.runtime.database.db;
  const [tokens, currentId] = await Promise.all([listTokens(db, locals.user.id), locals.session ? tokenIdOf(db, locals.session) : null]);
  const now = Date.now();
  const isLive = (t: { revokedAt: Date | null; expiresAt: Date | null }) => !t.revokedAt && (!t.expiresAt || t.expiresAt.getTime() > now);
  return {
    sessions: tokens
      .filter((t) => t.kind === 'session' && isLive(t))
      .map((t) => ({
        id: t.id,
        // A rotated session keeps the expiry of its sign-in, so the sign-in time follows from it.
        signedInAt: t.expiresAt ? new Date(t.expiresAt.getTime() - SESSION_TTL_HOURS * 3_600_000).toISOString() : t.createdAt.toISOString(),
        lastUsedAt: (t.lastUsedAt ?? t.createdAt).toISOString(),
        isCurrent: t.id === currentId,
      })),
    tokens: tokens
      .filter((t) => t.kind === 'api')
      .map((t) => ({
        id: t.id,
        name: t.name,
        scopes: t.scopes,
        createdAt: t.createdAt.toISOString(),
        expiresAt: t.expiresAt?.toISOString() ?? null,
        lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
        status: t.revokedAt ? ('revoked' as const) : isLive(t) ? ('active' as const) : ('expired' as const),
      })),
    scopes: TOKEN_SCOPES,
    expiryChoices: EXPIRY_CHOICES,
  };
};

export const actions: Actions = {
  createToken: async ({ request, locals }) => {
    if (!locals.user) redirect(303, '/signin?next=/account');
    const form = await request.formData();
    const name = String(form.get('name') ?? '').trim();
    if (name.length === 0 || name.length > 200) return fail(400, { action: 'createToken' as const, error: 'account.error.name' as const });
    const scopes = parseTokenScopes(form.getAll('scopes').map(String));
    if (!scopes.ok) return fail(400, { action: 'createToken' as const, error: 'account.error.scopes' as const });
    const days = Number(form.get('expiresInDays'));
    if (!Number.isInteger(days) || days < 0 || days > MAX_TOKEN_DAYS) return fail(400, { action: 'createToken' as const, error: 'account.error.expiry' as const });
    // A session may grant every scope; the page is only ever used with a session.
    const created = await createToken(locals.runtime.database.db, { userId: locals.user.id, name, kind: 'api', scopes: scopes.scopes, expiresInDays: days === 0 ? null : days });
    return { action: 'createToken' as const, created: { name, token: created.token } };
  },

  revoke: async ({ request, locals, cookies }) => {
    if (!locals.user) redirect(303, '/signin?next=/account');
    const id = String((await request.formData()).get('id') ?? '');
    const db = locals.runtime.database.db;
    const own = (await listTokens(db, locals.user.id)).find((t) => t.id === id);
    if (!own) return fail(404, { action: 'revoke' as const, error: 'account.error.notFound' as const });
    await revokeToken(db, id);
    locals.runtime.forgetAuthentications();
    if (locals.session && (await tokenIdOf(db, locals.session)) === id) {
      clearSessionCookie(cookies);
      redirect(303, '/signin');
    }
    return { action: 'revoke' as const, revoked: true };
  },

  signOutEverywhere: async ({ request, locals, cookies }) => {
    if (!locals.user) redirect(303, '/signin?next=/account');
    const form = await request.formData();
    await signOutEverywhere(locals.runtime.database.db, { userId: locals.user.id, actorId: locals.user.id, apiTokens: form.get('apiTokens') === 'on' });
    locals.runtime.forgetAuthentications();
    clearSessionCookie(cookies);
    redirect(303, '/signin');
  },
};
