/** What the privacy page and its export endpoint share: the administrator check and the record. */
import { error, redirect } from '@sveltejs/kit';
import { SYSTEM_ACCESS } from '$lib/access/access.ts';
import { can } from '$lib/server/auth/permissions.ts';
import { titleOf } from '$lib/server/records/page-support.ts';
import { getRecord } from '$lib/server/records/record-service.ts';
import type { EntityModel } from '$lib/model/types.ts';

/** The entity and record a privacy request is about; 403 for anyone but an administrator. */
export async function privacySubject(locals: App.Locals, params: { entity: string; id: string }) {
  const user = locals.user;
  if (!user) redirect(303, '/signin');
  if (!can(user, { action: 'admin' }, locals.access).allowed) error(403, 'only administrators answer privacy requests');
  const model = locals.runtime.current().model;
  const entity: EntityModel | undefined = model.entities.find((e) => e.name === params.entity);
  if (!entity) error(404, 'not found');
  // Platform-level read: the request is about the whole record, whatever the admin's own roles hide.
  const found = await getRecord({ db: locals.runtime.database.db, actorId: user.id, access: SYSTEM_ACCESS }, entity, params.id);
  if (!found.ok) error(404, 'not found');
  return { user, model, entity, record: found.value, title: titleOf(entity, found.value) };
}

/** A file name from a record title: letters of any script, digits, - and _. */
export function fileNameOf(title: string, id: string): string {
  const cleaned = title.normalize('NFC').replace(/[^\p{L}\p{N}_-]+/gu, '-').replace(/^-+|-+$/g, '').slice(0, 80);
  return `${cleaned || id}-personal-data.json`;
}
