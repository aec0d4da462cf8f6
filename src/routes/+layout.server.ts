import type { LayoutServerLoad } from './$types';
import { direction } from '$lib/i18n/locales.ts';
import { can } from '$lib/server/auth/permissions.ts';

export const load: LayoutServerLoad = ({ locals }) => {
  const { model, version } = locals.runtime.current();
  return {
    user: locals.user ? { name: locals.user.name, email: locals.user.email, isAdmin: locals.user.isAdmin || locals.access?.isAdmin === true } : null,
    locale: locals.locale,
    dir: direction(locals.locale),
    calendar: locals.calendar,
    timeZone: locals.timeZone,
    modelVersion: version,
    // Only the entities the user's roles let them read.
    entities: locals.user && locals.access ? model.entities.filter((e) => can(locals.user, { action: 'record.read', entity: e.name }, locals.access).allowed).map((e) => ({ name: e.name, label: e.label, plural: e.pluralLabel })) : [],
  };
};
