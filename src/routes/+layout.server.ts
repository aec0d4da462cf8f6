import type { LayoutServerLoad } from './$types';
import { direction } from '$lib/i18n/locales.ts';

export const load: LayoutServerLoad = ({ locals }) => {
  const { model, version } = locals.runtime.current();
  return {
    user: locals.user ? { name: locals.user.name, email: locals.user.email, isAdmin: locals.user.isAdmin } : null,
    locale: locals.locale,
    dir: direction(locals.locale),
    calendar: locals.calendar,
    timeZone: locals.timeZone,
    modelVersion: version,
    entities: locals.user ? model.entities.map((e) => ({ name: e.name, label: e.label, plural: e.pluralLabel })) : [],
  };
};
