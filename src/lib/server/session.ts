/** Cookie names and options of browser sessions and preferences. */
import type { Cookies } from '@sveltejs/kit';
import { SESSION_TTL_HOURS } from './auth/tokens.ts';

export const SESSION_COOKIE = 'peyvand_session';
export const PREFERENCE_COOKIES = { locale: 'peyvand_locale', calendar: 'peyvand_calendar', timeZone: 'peyvand_tz' } as const;

/**
 * httpOnly (no script can read it), SameSite=Lax (not sent on cross-site posts), Secure when served
 * over https, for the whole site; it lives as long as the session may (`expiresAt`).
 */
export function setSessionCookie(cookies: Cookies, token: string, secure: boolean, expiresAt: Date | null = null): void {
  const maxAge = expiresAt ? Math.max(1, Math.floor((expiresAt.getTime() - Date.now()) / 1000)) : SESSION_TTL_HOURS * 3600;
  cookies.set(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge });
}

export function clearSessionCookie(cookies: Cookies): void {
  cookies.delete(SESSION_COOKIE, { path: '/' });
}

/** The session secret in a raw `Cookie` header (the API reads it without SvelteKit), or null. */
export function sessionFromCookieHeader(header: string | null | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at < 0 || part.slice(0, at).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(at + 1).trim();
    return value.length > 0 ? value : null;
  }
  return null;
}

export function setPreference(cookies: Cookies, name: keyof typeof PREFERENCE_COOKIES, value: string, secure: boolean): void {
  cookies.set(PREFERENCE_COOKIES[name], value, { path: '/', httpOnly: false, sameSite: 'lax', secure, maxAge: 365 * 24 * 3600 });
}
