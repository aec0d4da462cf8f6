/** Cookie names and options of browser sessions and preferences. */
import type { Cookies } from '@sveltejs/kit';
import { SESSION_TTL_HOURS } from './auth/tokens.ts';

export const SESSION_COOKIE = 'peyvand_session';
export const PREFERENCE_COOKIES = { locale: 'peyvand_locale', calendar: 'peyvand_calendar', timeZone: 'peyvand_tz' } as const;

/** httpOnly, SameSite=Lax, Secure when served over https. */
export function setSessionCookie(cookies: Cookies, token: string, secure: boolean): void {
  cookies.set(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge: SESSION_TTL_HOURS * 3600 });
}

export function clearSessionCookie(cookies: Cookies): void {
  cookies.delete(SESSION_COOKIE, { path: '/' });
}

export function setPreference(cookies: Cookies, name: keyof typeof PREFERENCE_COOKIES, value: string, secure: boolean): void {
  cookies.set(PREFERENCE_COOKIES[name], value, { path: '/', httpOnly: false, sameSite: 'lax', secure, maxAge: 365 * 24 * 3600 });
}
