import { redirect, type Handle } from '@sveltejs/kit';
import { RUNTIME_KEY } from '$lib/server/runtime-global.ts';
import { startRuntime, type Runtime } from '$lib/server/runtime.ts';
import { defaultCalendar, defaultTimeZone, direction, isCalendar, isLocale, type Locale } from '$lib/i18n/locales.ts';
import { SESSION_COOKIE, PREFERENCE_COOKIES } from '$lib/server/session.ts';

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

/** Pages anyone may see; everything else needs a session. */
const PUBLIC = ['/signin', '/healthz', '/trpc/', '/favicon'];

export const handle: Handle = async ({ event, resolve }) => {
  event.locals.runtime = await runtime();
  const cookieLocale = event.cookies.get(PREFERENCE_COOKIES.locale);
  const locale = isLocale(cookieLocale) ? cookieLocale : acceptedLocale(event.request.headers.get('accept-language'));
  const calendar = event.cookies.get(PREFERENCE_COOKIES.calendar);
  const zone = event.cookies.get(PREFERENCE_COOKIES.timeZone);
  event.locals.locale = locale;
  event.locals.calendar = isCalendar(calendar) ? calendar : defaultCalendar(locale);
  event.locals.timeZone = isValidTimeZone(zone) ? zone : defaultTimeZone(locale);

  const session = event.cookies.get(SESSION_COOKIE) ?? null;
  event.locals.session = session;
  event.locals.user = session ? await event.locals.runtime.authenticate(session) : null;
  // Roles and teams, once per request: pages and their server-side API calls ask the same policy.
  event.locals.access = event.locals.user ? await event.locals.runtime.accessOf(event.locals.user) : null;

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
  response.headers.set('x-content-type-options', 'nosniff');
  response.headers.set('referrer-policy', 'same-origin');
  response.headers.set('x-frame-options', 'DENY');
  return response;
};
