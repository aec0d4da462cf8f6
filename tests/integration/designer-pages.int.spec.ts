/**
 * The designer pages' form actions, posted the way a browser without JavaScript posts them: the
 * draft in its hidden input, the visible inputs, the button pressed. Nothing is kept between posts.
 */
import { fileURLToPath } from 'node:url';
import { isActionFailure, isHttpError, isRedirect } from '@sveltejs/kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { openTestRuntime } from '../support/runtime.ts';
import { applyPackFolder } from '../../src/lib/server/packs/pack-service.ts';
import { createUser } from '../../src/lib/server/auth/users.ts';
import type { AuthUser } from '../../src/lib/server/auth/permissions.ts';
import type { Runtime } from '../../src/lib/server/runtime.ts';
import type { Locale } from '../../src/lib/i18n/locales.ts';
import { entityActions, loadEntityPage } from '../../src/lib/server/designer/entity-page.ts';
import { command, inputName, serialiseDraft } from '../../src/lib/designer/draft-form.ts';
import type { EditorResult } from '../../src/lib/designer/editor-view.ts';
import type { EntityDraft } from '../../src/lib/designer/entity-draft.ts';

const B2B_SALES = fileURLToPath(new URL('../../packs/b2b-sales', import.meta.url));

describe.each(BACKENDS)('designer pages on %s', (kind) => {
  let runtime: Runtime;
  let dispose: () => Promise<void>;
  let admin: AuthUser;

  beforeEach(async () => {
    ({ runtime, dispose } = await openTestRuntime(kind, 'peyvand_designer_pages'));
    const applied = await applyPackFolder(runtime.database, B2B_SALES, { actorId: null });
    if (!applied.ok) throw new Error('b2b-sales did not apply');
    await runtime.refresh();
    const created = await createUser(runtime.database.db, { email: 'admin@example.com', name: 'Admin', password: 'a long enough password', isAdmin: true, mustChangePassword: false });
    if (!created.ok) throw new Error(created.error.message);
    admin = { id: created.user.id, email: created.user.email, name: created.user.name, isAdmin: true, mustChangePassword: false };
  });

  afterEach(async () => {
    await dispose();
  });

  function event(path: string, user: AuthUser | null, values: Record<string, string> = {}, locale: Locale = 'en') {
    const body = new FormData();
    for (const [k, v] of Object.entries(values)) body.append(k, v);
    const url = new URL(`http://localhost${path}`);
    const locals = { runtime, user, locale, session: null, calendar: 'gregory', timeZone: 'UTC' } as App.Locals;
    return { locals, url, params: { name: path.split('/').at(-1) ?? '' }, request: new Request(url, { method: 'POST', body }) };
  }

  /** What the page renders for a draft: the hidden draft and each field's inputs. */
  function formOf(draft: EntityDraft, extra: Record<string, string> = {}): Record<string, string> {
    const values: Record<string, string> = { [inputName.draft]: serialiseDraft(draft), [inputName.entityName]: draft.name };
    for (const f of draft.fields) {
      values[inputName.field(f.key, 'present')] = '1';
      values[inputName.field(f.key, 'name')] = f.name;
      values[inputName.field(f.key, 'type')] = f.type;
      if (f.required) values[inputName.field(f.key, 'required')] = 'on';
    }
    return { ...values, ...extra };
  }

  async function outcome(run: Promise<unknown>): Promise<EditorResult> {
    const value = await run;
    return (isActionFailure(value) ? value.data : value) as EditorResult;
  }

  async function thrown(run: Promise<unknown>): Promise<unknown> {
    try {
      await run;
    } catch (e) {
      return e;
    }
    throw new Error('expected the action to throw');
  }

  it('makes a new entity in three posts: add a field, review, apply', async () => {
    const actions = entityActions(() => null);
    const page = await loadEntityPage(event('/admin/entities/new', admin), null);
    const added = await outcome(actions.edit(event('/admin/entities/new', admin, { ...formOf(page.draft), [inputName.entityName]: 'visit', [inputName.newName]: 'place', [inputName.newType]: 'text', [inputName.command]: command.addField })));
    expect(added.draft?.fields.map((f) => f.name)).toEqual(['place']);
    const draft = added.draft;
    if (!draft) throw new Error('no draft');

    const reviewed = await outcome(actions.review(event('/admin/entities/new', admin, formOf(draft), 'fa')));
    expect(reviewed.review?.steps[0]?.text).toBe('ساخت موجودیت \u2068visit\u2069 و جدول آن');
    expect(reviewed.review?.hasDestructive).toBe(false);
    const review = reviewed.review;
    if (!review) throw new Error('no review');

    const done = await thrown(actions.apply(event('/admin/entities/new', admin, formOf(draft, { reviewed: review.reviewed, planVersion: String(review.version) }))));
    expect(isRedirect(done) && done.location).toMatch(/^\/admin\/entities\/visit\?applied=\d+$/);
    expect(runtime.current().model.entities.map((e) => e.name)).toContain('visit');
  });

  it('refuses to apply a draft changed since its review, or a destructive one without the tick', async () => {
    const actions = entityActions((e) => e.params.name ?? null);
    const path = '/admin/entities/company';
    const page = await loadEntityPage(event(path, admin), 'company');
    const phone = page.draft.fields.find((f) => f.name === 'phone');
    if (!phone) throw new Error('no phone');
    const withoutPhone = { ...page.draft, fields: page.draft.fields.filter((f) => f !== phone) };
    const reviewed = await outcome(actions.review(event(path, admin, { ...formOf(withoutPhone), base: page.base })));
    expect(reviewed.notice).toBeNull();
    expect(reviewed.review?.hasDestructive).toBe(true);
    const review = reviewed.review;
    if (!review) throw new Error('no review');
    const posted = formOf(withoutPhone, { reviewed: review.reviewed, planVersion: String(review.version), base: page.base });

    const unticked = await outcome(actions.apply(event(path, admin, posted)));
    expect(unticked.error?.key).toBe('designer.review.confirmRequired');
    const changed = await outcome(actions.apply(event(path, admin, { ...posted, [inputName.entityLabel('fa')]: 'سازمان' })));
    expect(changed.notice?.key).toBe('designer.review.changed');
    expect(runtime.current().model.entities.find((e) => e.name === 'company')?.fields.map((f) => f.name)).toContain('phone');

    const done = await thrown(actions.apply(event(path, admin, { ...posted, confirm: 'on' })));
    expect(isRedirect(done)).toBe(true);
    expect(runtime.current().model.entities.find((e) => e.name === 'company')?.fields.map((f) => f.name)).not.toContain('phone');

    // The page opened before that change now warns that its draft would undo it.
    const stale = await outcome(actions.review(event(path, admin, { ...formOf(page.draft), base: page.base })));
    expect(stale.notice?.key).toBe('designer.review.stale');
  });

  it('sends anonymous visitors to sign in and refuses other users with 403, also on posts', async () => {
    const actions = entityActions(() => null);
    const anonymous = await thrown(actions.review(event('/admin/entities/new', null)));
    expect(isRedirect(anonymous) && anonymous.location).toBe('/signin?next=%2Fadmin%2Fentities%2Fnew');
    const member = { ...admin, isAdmin: false };
    const refused = await thrown(actions.apply(event('/admin/entities/new', member, { [inputName.entityName]: 'x' })));
    expect(isHttpError(refused) && refused.status).toBe(403);
    const load = await thrown(loadEntityPage(event('/admin/entities/company', member), 'company'));
    expect(isHttpError(load) && load.status).toBe(403);
    const missing = await thrown(loadEntityPage(event('/admin/entities/nothing', admin), 'nothing'));
    expect(isHttpError(missing) && missing.status).toBe(404);
  });
});
