import { redirect } from '@sveltejs/kit';
import type { Actions } from './$types';
import { isCalendar, isLocale } from '$lib/i18n/locales.ts';
import { setPreference } from '$lib/server/session.ts';

export const actions: Actions = {
  default: async ({ request, cookies, url, locals }) => {
    const form = await request.formData();
    const secure = url.protocol === 'https:';
    const locale = form.get('locale');
    const calendar = form.get('calendar');
    const timeZone = form.get('timeZone');
    if (isLocale(locale)) setPreference(cookies, 'locale', locale, secure);
    if (isCalendar(calendar)) setPreference(cookies, 'calendar', calendar, secure);
    if (typeof timeZone === 'string' && timeZone.length < 64) {
      try {
        new Intl.DateTimeFormat('en', { timeZone });
        setPreference(cookies, 'timeZone', timeZone, secure);
        // Also on the account: date triggers in "the owner's time zone" (birthdays …) use it.
        if (locals.user) await locals.runtime.database.db.updateTable('peyvand.users').set({ time_zone: timeZone }).where('id', '=', locals.user.id).execute();
      } catch {
        // not a time zone: keep the current one
      }
    }
    const next = String(form.get('next') ?? '/');
    redirect(303, next.startsWith('/') && !next.startsWith('//') ? next : '/');
  },
};
