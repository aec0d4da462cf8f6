import { redirect, type Handle } from '@sveltejs/kit';
import { RUNTIME_KEY } from '$lib/server/runtime-global.ts';
import { startRuntime, type Runtime } from '$lib/server/runtime.ts';
import { defaultCalendar, defaultTimeZone, direction, isCalendar, isLocale, type Locale } from '$lib/i18n/locales.ts';
import { SESSION_COOKIE, PREFERENCE_COOKIES, clearSessionCookie, setSessionCookie } from '$lib/server/session.ts';
import { authenticateSession, rotateSession } from '$lib/server/auth/tokens.ts';
import type { AuthUser } from '$lib/server/auth/permissions.ts';

let starting: Promise<Runtime> | null = null;

/** The runtime `peyvand serve` handed over; under `vite dev`, one started here. */
function runtime(): Promise<Runtime> {
  const given = (globalThis as Record<symbol, unknown>)[RUNTIME_KEY] as Runtime | undefined;
  if (given) return Promise.resolve(given);
  starting ??= startRuntime({ url: process.env.DATABASE_URL || undefined, dataDir: process.env.PEYVAND_DATA_DIR || '.peyvand', purpose: 'the Peyvand dev server' });
  return starting;
}

function acceptedLocale(header: string | null): Locale {
  for (const part of (header ?? '').split(',')) {
    const tag = part.split(';')[0]?.trim().slice(0, 2).toLowerCase();
    if (isLocale(tag)) return tag;
  }
  return 'en';
}

function isValidTimeZone(zone: string | undefined): zone is string {
  if (!zone || zone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Headers for every response (the content security policy comes from `kit.csp` in
 * svelte.config.js, with a nonce per page).
 */
function securityHeaders(isHttps: boolean): Record<string, string> {
  return {
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=(), interest-cohort=()',
    ...(isHttps ? { 'strict-transport-security': 'max-age=31536000' } : {}),
  };
}

/**
 * The user of the session cookie, read from the database on every request (a revoked session is
 * out at once). A session due for rotation gets a new secret in a new cookie; the old one keeps
 * working for a minute for requests already on their way. A dead cookie is removed.
 */
async function sessionUser(event: Parameters<Handle>[0]['event']): Promise<AuthUser | null> {
  const token = event.cookies.get(SESSION_COOKIE) ?? null;
  event.locals.session = token;
  if (!token) return null;
  const db = event.locals.runtime.database.db;
  const session = await authenticateSession(db, token);
  if (!session) {
    clearSessionCookie(event.cookies);
    event.locals.session = null;
    return null;
  }
  if (session.isRotationDue) {
    const rotated = await rotateSession(db, session.sessionId);
    if (rotated) {
      setSessionCookie(event.cookies, rotated.token, event.url.protocol === 'https:', rotated.expiresAt);
      event.locals.session = rotated.token;
    }
  }
  return session.user;
}

const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

/**
 * SvelteKit's own check on form posts, repeated here because SvelteKit skips it under `vite dev`:
 * a form-encoded POST (what a page on another site can send) must come from this origin. /trpc has
 * its own, stricter rule (api/http.ts).
 */
function isCrossSiteForm(request: Request, url: URL): boolean {
  if (request.method === 'GET' || request.method === 'HEAD' || url.pathname.startsWith('/trpc/')) return false;
  const type = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return FORM_TYPES.includes(type) && request.headers.get('origin') !== url.origin;
}

/** Pages anyone may see; everything else needs a session. */
const PUBLIC = ['/signin', '/healthz', '/trpc/', '/favicon'];

export const handle: Handle = async ({ event, resolve }) => {
  if (isCrossSiteForm(event.request, event.url)) {
    return new Response(`Cross-site ${event.request.method} form submissions are forbidden`, { status: 403, headers: securityHeaders(event.url.protocol === 'https:') });
  }
  event.locals.runtime = await runtime();
  const cookieLocale = event.cookies.get(PREFERENCE_COOKIES.locale);
  const locale = isLocale(cookieLocale) ? cookieLocale : acceptedLocale(event.request.headers.get('accept-language'));
  const calendar = event.cookies.get(PREFERENCE_COOKIES.calendar);
  const zone = event.cookies.get(PREFERENCE_COOKIES.timeZone);
  event.locals.locale = locale;
  event.locals.calendar = isCalendar(calendar) ? calendar : defaultCalendar(locale);
  event.locals.timeZone = isValidTimeZone(zone) ? zone : defaultTimeZone(locale);

  event.locals.user = await sessionUser(event);
  // Roles and teams, once per request: pages and their server-side API calls ask the same policy.
  event.locals.access = event.locals.user ? await event.locals.runtime.accessOf(event.locals.user) : null;
  // A role with `administer` makes its holders administrators for this request, everywhere.
  if (event.locals.user && event.locals.access?.isAdmin && !event.locals.user.isAdmin) event.locals.user = { ...event.locals.user, isAdmin: true };

  const path = event.url.pathname;
  const isPublic = PUBLIC.some((p) => path === p || path.startsWith(p));
  if (!event.locals.user && !isPublic) {
    redirect(303, `/signin?next=${encodeURIComponent(path + event.url.search)}`);
  }
  if (event.locals.user?.mustChangePassword && !isPublic && path !== '/account/password' && path !== '/signout') {
    redirect(303, '/account/password');
  }

  const response = await resolve(event, {
    transformPageChunk: ({ html }) => html.replace('%lang%', locale).replace('%dir%', direction(locale)),
  });
  for (const [name, value] of Object.entries(securityHeaders(event.url.protocol === 'https:'))) response.headers.set(name, value);
  return response;
};
