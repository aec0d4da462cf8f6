/**
 * `/admin/packs` posted the way a browser posts it: a bundle uploaded → reviewed → applied; an
 * upgrade whose conflicts are chosen with the radios; the download; admins only.
 */
import { isActionFailure, isHttpError, isRedirect, type ActionFailure } from '@sveltejs/kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { openTestRuntime } from '../support/runtime.ts';
import { createUser } from '../../src/lib/server/auth/users.ts';
import type { AuthUser } from '../../src/lib/server/auth/permissions.ts';
import type { Runtime } from '../../src/lib/server/runtime.ts';
import type { Locale } from '../../src/lib/i18n/locales.ts';
import { findEntity } from '../../src/lib/model/types.ts';
import { packBundleText, readPackBundle } from '../../src/lib/packs/pack-bundle.ts';
import { applyEntityChange, getEntityDocument } from '../../src/lib/server/designer/designer-service.ts';
import { downloadPack, loadPacksPage, packsActions, type PacksActionData } from '../../src/lib/server/packs/packs-page.ts';

const bundle = (version: string, emailTitle: string) =>
  packBundleText([
    { path: 'pack.json', text: JSON.stringify({ name: 'crm-lite', version, title: { en: 'CRM lite', fa: 'سی‌آر‌ام سبک' } }) },
    { path: 'entities/contact.json', text: JSON.stringify({ $id: 'contact', type: 'object', properties: { full_name: { type: 'string' }, email: { type: 'string', format: 'email', title: emailTitle } } }) },
  ]);

describe.each(BACKENDS)('packs page on %s', (kind) => {
  let runtime: Runtime;
  let dispose: () => Promise<void>;
  let admin: AuthUser;
  let member: AuthUser;

  beforeEach(async () => {
    ({ runtime, dispose } = await openTestRuntime(kind, 'peyvand_packs_pages'));
    const users = [];
    for (const [email, isAdmin] of [['admin@example.com', true], ['member@example.com', false]] as const) {
      const created = await createUser(runtime.database.db, { email, name: isAdmin ? 'Admin' : 'Member', password: 'a long enough password', isAdmin, mustChangePassword: false });
      if (!created.ok) throw new Error(created.error.message);
      users.push({ id: created.user.id, email, name: created.user.name, isAdmin, mustChangePassword: false });
    }
    [admin, member] = users as [AuthUser, AuthUser];
  });

  afterEach(async () => {
    await dispose();
  });

  function event(user: AuthUser | null, values: Record<string, string | File> = {}, options: { search?: string; locale?: Locale; params?: Record<string, string> } = {}) {
    const body = new FormData();
    for (const [k, v] of Object.entries(values)) body.append(k, v);
    const url = new URL(`http://localhost/admin/packs${options.search ?? ''}`);
    const locals = { runtime, user, locale: options.locale ?? 'en', session: null, calendar: 'gregory', timeZone: 'UTC' } as App.Locals;
    return { locals, url, params: options.params ?? {}, request: new Request(url, { method: 'POST', body }) };
  }

  const file = (text: string) => new File([text], 'crm-lite.json', { type: 'application/json' });

  async function expectRedirect(call: Promise<unknown>): Promise<string> {
    try {
      await call;
    } catch (thrown) {
      if (isRedirect(thrown)) return thrown.location;
      throw thrown;
    }
    throw new Error('expected a redirect');
  }

  function failed(result: unknown): PacksActionData {
    if (!isActionFailure(result)) throw new Error(`expected a failure, got ${JSON.stringify(result).slice(0, 300)}`);
    return result.data as unknown as PacksActionData;
  }

  function succeeded(result: PacksActionData | ActionFailure<PacksActionData>): PacksActionData {
    if (isActionFailure(result)) throw new Error(`expected a review, got ${JSON.stringify(result.data).slice(0, 300)}`);
    return result as PacksActionData;
  }

  it('upload → review → apply; then the pack is listed with who installed it', async () => {
    const review = succeeded(await packsActions.plan(event(admin, { bundle: file(bundle('1.0.0', 'Email')) }))).review;
    expect(review).toMatchObject({ title: 'Review ⁨CRM lite⁩ ⁨1.0.0⁩', change: 'New install', refusals: [], conflicts: [], isUnchanged: false });
    expect(review?.changes.map((c) => c.text)).toEqual(['New entity ⁨Contact⁩ (fields: 2)']);
    expect(review?.steps.length).toBeGreaterThan(0);
    expect(runtime.current().model.entities).toHaveLength(0);

    const location = await expectRedirect(packsActions.apply(event(admin, { bundleText: review?.bundle ?? '', planVersion: String(review?.planVersion) })));
    expect(location).toBe('/admin/packs?applied=crm-lite%401.0.0%401');
    expect(runtime.current().model.entities.map((e) => e.name)).toEqual(['contact']);
    const page = await loadPacksPage(event(admin, {}, { search: `?applied=${encodeURIComponent('crm-lite@1.0.0@1')}` }));
    expect(page.applied).toBe('⁨crm-lite⁩ ⁨1.0.0⁩ is installed (model version 1).');
    expect(page.packs).toMatchObject([{ name: 'crm-lite', version: '1.0.0', contents: 'Entities: 1; workflows: 0', installed: expect.stringMatching(/ by ⁨Admin⁩$/) }]);
    const persian = await loadPacksPage(event(admin, {}, { locale: 'fa' }));
    expect(persian.packs[0]?.contents).toBe('موجودیت‌ها: ۱؛ گردش‌کارها: ۰');
  });

  it('an upgrade with a label edited in the designer: the conflict is shown, refused until chosen, applied with the pack’s', async () => {
    await expectRedirect(packsActions.apply(event(admin, { bundleText: bundle('1.0.0', 'Email') })));
    const stored = await getEntityDocument(runtime.database, 'contact');
    const doc = structuredClone(stored?.document) as { properties: { email: { title: string } } };
    doc.properties.email.title = 'Work e-mail';
    expect((await applyEntityChange(runtime.database, { document: doc, previousName: 'contact', allowDestructive: false }, admin.id)).ok).toBe(true);

    const upgrade = bundle('1.1.0', 'Email address');
    const reviewed = succeeded(await packsActions.plan(event(admin, { bundle: file(upgrade) })));
    const id = 'entities/contact.json#/properties/email/title';
    expect(reviewed.review).toMatchObject({ change: 'Upgrade from ⁨1.0.0⁩', refusals: ['Choose, for each conflict below, whose version to keep.'] });
    expect(reviewed.review?.conflicts).toEqual([{ id, kind: 'Both changed it', base: '"Email"', mine: '"Work e-mail"', pack: '"Email address"', choice: null }]);

    const refused = failed(await packsActions.apply(event(admin, { bundleText: upgrade, planVersion: String(reviewed.review?.planVersion) })));
    expect(refused.review?.refusals).toEqual(['Choose, for each conflict below, whose version to keep.']);

    // "Review again" with a choice keeps it checked.
    const again = succeeded(await packsActions.plan(event(admin, { bundleText: upgrade, [`resolve:${id}`]: 'pack' })));
    expect(again.review?.conflicts[0]?.choice).toBe('pack');
    expect(again.review?.refusals).toEqual([]);

    await expectRedirect(packsActions.apply(event(admin, { bundleText: upgrade, planVersion: String(again.review?.planVersion), [`resolve:${id}`]: 'pack' })));
    const email = findEntity(runtime.current().model, 'contact')?.fields.find((f) => f.name === 'email');
    expect(email?.label.en).toBe('Email address');
  });

  it('downloads the installed pack as a bundle, which uploads again as "nothing to change"', async () => {
    await expectRedirect(packsActions.apply(event(admin, { bundleText: bundle('1.0.0', 'Email') })));
    const response = await downloadPack(event(admin, {}, { params: { name: 'crm-lite' } }));
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="crm-lite-1.0.0.json"');
    const text = await response.text();
    expect(readPackBundle(text).ok).toBe(true);
    const reviewed = succeeded(await packsActions.plan(event(admin, { bundle: file(text) })));
    expect(reviewed.review).toMatchObject({ isUnchanged: true, change: 'Same version as installed (⁨1.0.0⁩)', changes: [], steps: [] });
    await expect(downloadPack(event(admin, {}, { params: { name: 'nope' } }))).rejects.toSatisfy((e: unknown) => isHttpError(e) && e.status === 404);
  });

  it('refuses a file that is not a pack bundle, and an invalid pack, saying why', async () => {
    expect(failed(await packsActions.plan(event(admin, { bundle: file('{"hello":1}') }))).problems).toEqual(['(bundle) /format: this is not a Peyvand pack bundle ("format" must be "peyvand-pack-bundle")']);
    const invalid = packBundleText([{ path: 'pack.json', text: '{"name":"x","version":"1","title":"X"}' }]);
    expect(failed(await packsActions.plan(event(admin, { bundle: file(invalid) }))).problems[0]).toMatch(/^pack\.json \/version: /);
    expect(failed(await packsActions.plan(event(admin, {}))).problems).toEqual(['Choose a pack bundle file first.']);
  });

  it('is for administrators only', async () => {
    for (const call of [() => loadPacksPage(event(member)), () => packsActions.plan(event(member, { bundleText: bundle('1.0.0', 'Email') })), () => downloadPack(event(member, {}, { params: { name: 'crm-lite' } }))]) {
      await expect(call()).rejects.toSatisfy((e: unknown) => isHttpError(e) && e.status === 403);
    }
    await expect(loadPacksPage(event(null))).rejects.toSatisfy((e: unknown) => isRedirect(e) && e.location.startsWith('/signin'));
    expect(runtime.current().model.entities).toHaveLength(0);
  });
});
