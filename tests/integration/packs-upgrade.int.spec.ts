/**
 * Pack installs and upgrades on real databases: the same pack twice is a no-op; an upgrade plans
 * only the difference; a change an admin made in the designer that the pack also changes is a
 * conflict the admin resolves (both ways), while their other changes are kept; missing
 * dependencies and platform versions are named; a downgrade needs confirmation; a failure midway
 * leaves nothing behind, installed_packs included.
 */
import { SYSTEM_ACCESS } from '../../src/lib/access/access.ts';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { loadPackFiles, type SourceFile } from '../../src/lib/model/load-pack.ts';
import { composeModel } from '../../src/lib/model/compose-model.ts';
import { emptyModel, findEntity, findWorkflow } from '../../src/lib/model/types.ts';
import { applyModel } from '../../src/lib/server/schema/apply.ts';
import { applyEntityChange, getEntityDocument } from '../../src/lib/server/designer/designer-service.ts';
import { saveWorkflow } from '../../src/lib/server/rules/workflow-service.ts';
import { createRecord } from '../../src/lib/server/records/record-service.ts';
import { loadCurrentModel } from '../../src/lib/server/schema/model-store.ts';
import { exportInstalledPack, installPackFiles, type PackInstallOptions, type PackReport } from '../../src/lib/server/packs/pack-service.ts';
import { findInstalledPack } from '../../src/lib/server/packs/installed-packs.ts';
import { packBundleText, readPackBundle } from '../../src/lib/packs/pack-bundle.ts';

type Doc = Record<string, unknown>;

const company = (extra: Doc = {}): Doc => ({
  $id: 'company',
  type: 'object',
  title: 'Company',
  properties: { name: { type: 'string', title: 'Name', maxLength: 200 }, city: { type: 'string', title: 'City' }, ...extra },
  required: ['name'],
});
const contact = (email: Doc = {}, extra: Doc = {}): Doc => ({
  $id: 'contact',
  type: 'object',
  title: 'Contact',
  properties: {
    full_name: { type: 'string', title: 'Full name' },
    email: { type: 'string', format: 'email', title: 'Email', 'x-labels': { fa: 'ایمیل' }, ...email },
    company_id: { type: 'string', format: 'uuid', 'x-ref': 'company' },
    ...extra,
  },
  required: ['full_name'],
});
const welcome = (title = 'Welcome {{record.full_name}}'): Doc => ({ name: 'welcome', entity: 'contact', trigger: { on: 'record.created' }, actions: [{ id: 'task', type: 'create_task', title }] });

function files(version: string, options: { entities?: Doc[]; workflows?: Doc[]; manifest?: Doc; extra?: SourceFile[] } = {}): SourceFile[] {
  const json = (path: string, value: unknown) => ({ path, text: `${JSON.stringify(value, null, 2)}\n` });
  return [
    json('pack.json', { name: 'crm-lite', version, title: { en: 'CRM lite', fa: 'سی‌آر‌ام' }, locales: ['en', 'fa'], ...options.manifest }),
    ...(options.entities ?? [company(), contact()]).map((e) => json(`entities/${String(e.$id)}.json`, e)),
    ...(options.workflows ?? [welcome()]).map((w) => json(`workflows/${String(w.name)}.json`, w)),
    ...(options.extra ?? []),
  ];
}

const V1 = files('1.0.0');

describe.each(BACKENDS)('pack installs and upgrades on %s', (kind) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await createTestDatabase(kind);
  });
  afterEach(async () => {
    await t.drop();
  });

  async function install(pack: readonly SourceFile[], options: Partial<PackInstallOptions> = {}): Promise<PackReport> {
    return installPackFiles(t.database, pack, { actorId: null, ...options });
  }

  async function modelVersions(): Promise<number> {
    const rows = await t.database.db.selectFrom('peyvand.model_versions').select('version').execute();
    return rows.length;
  }

  async function tableExists(table: string): Promise<boolean> {
    const r = await sql<{ n: number | string }>`select count(*) as n from information_schema.tables where table_schema = 'data' and table_name = ${table}`.execute(t.database.db);
    return Number(r.rows[0]?.n) > 0;
  }

  /** The designer's edit of a contact field: what an admin does in the browser. */
  async function editInDesigner(entity: string, change: (doc: Doc) => Doc) {
    const stored = await getEntityDocument(t.database, entity);
    if (!stored) throw new Error(`no ${entity}`);
    const result = await applyEntityChange(t.database, { document: change(structuredClone(stored.document) as Doc), previousName: entity, allowDestructive: false }, null);
    if (!result.ok || result.result.status !== 'applied') throw new Error(JSON.stringify(result));
  }

  const withEmail = (change: (email: Doc) => Doc) => (doc: Doc) => {
    const properties = doc.properties as Record<string, Doc>;
    return { ...doc, properties: { ...properties, email: change(properties.email ?? {}) } };
  };

  it('installs, records the install, and the same pack twice is a no-op', async () => {
    const first = await install(V1);
    expect(first).toMatchObject({ status: 'applied', change: 'install', version: 1, refusals: [], conflicts: [] });
    expect(first.diff.entities.map((e) => `${e.change} ${e.name}`)).toEqual(['added company', 'added contact']);
    expect(first.diff.workflows.map((w) => `${w.change} ${w.name}`)).toEqual(['added welcome']);
    const row = await findInstalledPack(t.database.db, 'crm-lite');
    expect(row).toMatchObject({ name: 'crm-lite', version: '1.0.0', modelVersion: 1 });
    expect(row?.files).toEqual(V1.slice().sort((a, b) => a.path.localeCompare(b.path)));

    const again = await install(V1);
    expect(again).toMatchObject({ status: 'unchanged', change: 'reinstall', version: 1 });
    expect(again.schema?.outcomes).toEqual([]);
    expect(await modelVersions()).toBe(1);
  });

  it('an upgrade plans and applies only the difference, and records the new version', async () => {
    await install(V1);
    const v11 = files('1.1.0', { entities: [company({ website: { type: 'string', format: 'url' } }), contact()] });
    const plan = await install(v11, { dryRun: true });
    expect(plan).toMatchObject({ status: 'planned', change: 'upgrade', installed: { version: '1.0.0' } });
    expect(plan.schema?.outcomes.map((o) => `${o.step.kind} ${o.step.entity}.${o.step.field ?? ''}`)).toEqual(['field.add company.website']);
    expect(plan.diff.entities).toMatchObject([{ name: 'company', change: 'changed', fields: [{ name: 'website', change: 'added' }] }]);
    expect((await findInstalledPack(t.database.db, 'crm-lite'))?.version).toBe('1.0.0');

    const applied = await install(v11);
    expect(applied).toMatchObject({ status: 'applied', version: 2 });
    expect((await findInstalledPack(t.database.db, 'crm-lite'))?.version).toBe('1.1.0');
    expect((await loadCurrentModel(t.database.db)).model.packs.map((p) => `${p.name}@${p.version}`)).toEqual(['crm-lite@1.1.0']);
  });

  describe('a label edited in the designer that the pack also changes', () => {
    const v11 = files('1.1.0', { entities: [company(), contact({ title: 'Email address', maxLength: 320 })] });
    const id = 'entities/contact.json#/properties/email/title';

    beforeEach(async () => {
      await install(V1);
      await editInDesigner('contact', withEmail((email) => ({ ...email, title: 'Work e-mail' })));
    });

    it('is a conflict: the plan shows it with the three values, and an apply without a choice is refused', async () => {
      const plan = await install(v11, { dryRun: true });
      expect(plan.status).toBe('planned');
      expect(plan.refusals).toEqual(['conflicts']);
      expect(plan.conflicts).toEqual([{ id, file: 'entities/contact.json', pointer: '/properties/email/title', kind: 'edit', base: 'Email', mine: 'Work e-mail', pack: 'Email address', resolution: null }]);
      const refused = await install(v11);
      expect(refused).toMatchObject({ status: 'refused', refusals: ['conflicts'] });
      expect((await findInstalledPack(t.database.db, 'crm-lite'))?.version).toBe('1.0.0');
      expect(findEntity((await loadCurrentModel(t.database.db)).model, 'contact')?.fields.find((f) => f.name === 'email')?.label.en).toBe('Work e-mail');
    });

    it('resolved "mine": the admin’s label stays, the pack’s other change to the field is taken', async () => {
      const applied = await install(v11, { resolutions: { [id]: 'mine' } });
      expect(applied).toMatchObject({ status: 'applied', conflicts: [{ id, resolution: 'mine' }] });
      const email = findEntity((await loadCurrentModel(t.database.db)).model, 'contact')?.fields.find((f) => f.name === 'email');
      expect(email?.label.en).toBe('Work e-mail');
      expect(email?.schema.maxLength).toBe(320);
      // Still a local change: the next version that touches it asks again.
      const v12 = files('1.2.0', { entities: [company(), contact({ title: 'E-mail', maxLength: 320 })] });
      expect((await install(v12, { dryRun: true })).conflicts.map((c) => c.id)).toEqual([id]);
    });

    it('resolved "pack": the pack’s label replaces the admin’s', async () => {
      const applied = await install(v11, { resolveAll: 'pack' });
      expect(applied).toMatchObject({ status: 'applied', conflicts: [{ id, resolution: 'pack' }] });
      const email = findEntity((await loadCurrentModel(t.database.db)).model, 'contact')?.fields.find((f) => f.name === 'email');
      expect(email?.label.en).toBe('Email address');
      expect(email?.label.fa).toBe('ایمیل');
    });
  });

  it('keeps changes made here that the pack does not touch, and exports them', async () => {
    await install(V1);
    await editInDesigner('contact', (doc) => ({ ...doc, properties: { ...(doc.properties as Doc), nickname: { type: 'string', title: 'Nickname' } } }));
    await editInDesigner('contact', withEmail((email) => ({ ...email, 'x-labels': { fa: 'پست الکترونیک' } })));
    const v11 = files('1.1.0', { entities: [company({ website: { type: 'string' } }), contact({ 'x-labels': { fa: 'ایمیل', ar: 'البريد الإلكتروني' } })] });
    const applied = await install(v11);
    // fa changed here, ar added by the pack: per language, no conflict.
    expect(applied).toMatchObject({ status: 'applied', conflicts: [] });
    const model = (await loadCurrentModel(t.database.db)).model;
    const fields = findEntity(model, 'contact')?.fields ?? [];
    expect(fields.map((f) => f.name)).toEqual(['full_name', 'email', 'company_id', 'nickname']);
    expect(fields.find((f) => f.name === 'email')?.label).toMatchObject({ fa: 'پست الکترونیک', ar: 'البريد الإلكتروني' });
    expect(findEntity(model, 'company')?.fields.map((f) => f.name)).toContain('website');
    const exported = await exportInstalledPack(t.database, 'crm-lite');
    expect(Object.keys((JSON.parse(exported?.find((f) => f.path === 'entities/contact.json')?.text ?? '{}') as { properties: object }).properties)).toContain('nickname');
  });

  it('a workflow edited in the designer that the pack also changes is a conflict, resolved either way', async () => {
    await install(V1);
    const saved = await saveWorkflow(t.database, { document: welcome('Say hello to {{record.full_name}}'), previousName: 'welcome', actorId: null });
    if (!saved.ok) throw new Error(saved.message);
    const v11 = files('1.1.0', { workflows: [welcome('Welcome aboard, {{record.full_name}}')] });
    const plan = await install(v11, { dryRun: true });
    expect(plan.conflicts.map((c) => [c.id, c.mine, c.pack])).toEqual([['workflows/welcome.json#/actions', [{ id: 'task', type: 'create_task', title: 'Say hello to {{record.full_name}}' }], [{ id: 'task', type: 'create_task', title: 'Welcome aboard, {{record.full_name}}' }]]]);
    expect(plan.diff.workflows).toEqual([]);
    expect((await install(v11)).status).toBe('refused');
    const mine = await install(v11, { resolveAll: 'mine' });
    expect(mine.status).toBe('applied');
    expect(findWorkflow((await loadCurrentModel(t.database.db)).model, 'welcome')?.actions[0]?.settings.title).toBe('Say hello to {{record.full_name}}');
    const v12 = files('1.2.0', { workflows: [welcome('Welcome, {{record.full_name}}')] });
    expect((await install(v12, { resolutions: { 'workflows/welcome.json#/actions': 'pack' } })).status).toBe('applied');
    expect(findWorkflow((await loadCurrentModel(t.database.db)).model, 'welcome')?.actions[0]?.settings.title).toBe('Welcome, {{record.full_name}}');
  });

  it('a pack that requires another refuses to apply without it, naming it; and one for another platform version', async () => {
    const addon = [
      { path: 'pack.json', text: JSON.stringify({ name: 'crm-tickets', version: '1.0.0', title: 'Tickets', requires: { packs: { 'crm-lite': '^1.0.0' } } }) },
      { path: 'entities/ticket.json', text: JSON.stringify({ $id: 'ticket', type: 'object', properties: { subject: { type: 'string' }, contact_id: { type: 'string', format: 'uuid', 'x-ref': 'contact' } } }) },
    ];
    const missing = await install(addon);
    expect(missing.status).toBe('invalid');
    expect(missing.issues).toContainEqual({ file: 'pack.json', pointer: '/requires/packs/crm-lite', message: 'this pack requires pack "crm-lite" (^1.0.0), which is not installed; apply it first' });
    expect(await tableExists('ticket')).toBe(false);
    expect(await findInstalledPack(t.database.db, 'crm-tickets')).toBeNull();
    await install(V1);
    expect((await install(addon)).status).toBe('applied');

    const future = files('2.0.0', { manifest: { requires: { platform: '>=99.0.0' } } });
    const refused = await install(future);
    expect(refused.status).toBe('invalid');
    expect(refused.issues[0]).toMatchObject({ file: 'pack.json', pointer: '/requires/platform', message: expect.stringMatching(/^this pack requires Peyvand >=99\.0\.0, but this is Peyvand \d/) });
  });

  it('an older version shows its destructive steps with affected rows and needs both confirmations', async () => {
    const v11 = files('1.1.0', { entities: [company({ website: { type: 'string' } }), contact()] });
    await install(v11);
    const model = (await loadCurrentModel(t.database.db)).model;
    for (const name of ['A', 'B']) await createRecord({ db: t.database.db, actorId: null, access: SYSTEM_ACCESS }, findEntity(model, 'company')!, { name, website: `https://${name}.example` });

    const plan = await install(V1, { dryRun: true });
    expect(plan).toMatchObject({ status: 'planned', change: 'downgrade', refusals: ['downgrade', 'destructive'] });
    expect(plan.schema?.outcomes.filter((o) => o.step.destructive).map((o) => [o.step.kind, o.step.field, o.affectedRows])).toEqual([['field.drop', 'website', 2]]);
    expect((await install(V1)).refusals).toEqual(['downgrade', 'destructive']);
    expect((await install(V1, { allowDowngrade: true })).refusals).toEqual(['destructive']);
    expect((await install(V1, { allowDestructive: true })).refusals).toEqual(['downgrade']);
    expect((await findInstalledPack(t.database.db, 'crm-lite'))?.version).toBe('1.1.0');

    const applied = await install(V1, { allowDowngrade: true, allowDestructive: true });
    expect(applied.status).toBe('applied');
    expect((await findInstalledPack(t.database.db, 'crm-lite'))?.version).toBe('1.0.0');
  });

  it('a failure injected midway through a pack apply leaves nothing behind, installed_packs included', async () => {
    await install(V1);
    const v2 = files('2.0.0', { entities: [company({ website: { type: 'string' } }), contact(), { $id: 'deal', type: 'object', properties: { title: { type: 'string' } } }] });
    let ran = 0;
    await expect(
      install(v2, {
        hooks: {
          beforeStep: () => {
            if (++ran === 2) throw new Error('injected failure');
          },
        },
      }),
    ).rejects.toThrow('injected failure');
    expect(ran).toBe(2);
    expect(await tableExists('deal')).toBe(false);
    expect((await findInstalledPack(t.database.db, 'crm-lite'))?.version).toBe('1.0.0');
    expect(await modelVersions()).toBe(1);

    // After every step ran and the install was recorded, just before commit.
    await expect(install(v2, { hooks: { beforeCommit: () => Promise.reject(new Error('injected at commit')) } })).rejects.toThrow('injected at commit');
    expect(await tableExists('deal')).toBe(false);
    expect((await findInstalledPack(t.database.db, 'crm-lite'))?.version).toBe('1.0.0');
    expect(await modelVersions()).toBe(1);

    // Nothing half-done stands in the way of the real apply.
    expect((await install(v2)).status).toBe('applied');
    expect(await tableExists('deal')).toBe(true);
  });

  it('a pack installed before installs were recorded: the model version it produced is the base', async () => {
    // What applying a pack did before: the model only, no installed_packs row.
    const loaded = loadPackFiles(V1);
    if (!loaded.ok) throw new Error('v1');
    const composed = composeModel(emptyModel(), loaded.pack);
    if (!composed.ok) throw new Error('compose');
    await applyModel(t.database, { model: composed.model, source: 'pack crm-lite@1.0.0', actorId: null });
    await editInDesigner('contact', withEmail((email) => ({ ...email, title: 'Work e-mail' })));
    const v11 = files('1.1.0', { entities: [company({ website: { type: 'string' } }), contact({ title: 'Email address' })] });
    const plan = await install(v11, { dryRun: true });
    // Only what both changed is a conflict; the pack's other change is simply taken.
    expect(plan.conflicts.map((c) => c.id)).toEqual(['entities/contact.json#/properties/email/title']);
    expect(plan.diff.entities.map((e) => e.name)).toEqual(['company']);
    // Once applied, the install is recorded.
    expect((await install(v11, { resolveAll: 'mine' })).status).toBe('applied');
    expect((await findInstalledPack(t.database.db, 'crm-lite'))?.version).toBe('1.1.0');
  });

  it('a plan reviewed against an older model version is refused as stale', async () => {
    await install(V1);
    const v11 = files('1.1.0', { entities: [company({ website: { type: 'string' } }), contact()] });
    const plan = await install(v11, { dryRun: true });
    await editInDesigner('company', (doc) => ({ ...doc, title: 'Organisation' }));
    const refused = await install(v11, { expectedModelVersion: plan.version ?? 0 });
    expect(refused).toMatchObject({ status: 'refused', refusals: ['stale'] });
  });

  it('applies a bundle, records its files byte for byte, and a changed data file alone is an install', async () => {
    const csv = '\ufeffname,city\r\n"Acme, Inc.",Tehran\r\n';
    const pack = files('1.0.0', { extra: [{ path: 'data/company.csv', text: csv }, { path: 'i18n/fa.json', text: '{"contact.help":"راهنما"}' }] });
    const bundle = readPackBundle(packBundleText(pack));
    if (!bundle.ok) throw new Error('bundle');
    expect((await install(bundle.files)).status).toBe('applied');
    expect((await findInstalledPack(t.database.db, 'crm-lite'))?.files.find((f) => f.path === 'data/company.csv')?.text).toBe(csv);
    const changed = bundle.files.map((f) => (f.path === 'data/company.csv' ? { ...f, text: `${csv}Kavir,Yazd\r\n` } : f));
    const again = await install(changed);
    expect(again).toMatchObject({ status: 'applied', files: [{ path: 'data/company.csv', change: 'changed' }] });
    expect(again.schema?.status).toBe('unchanged');
    expect(await modelVersions()).toBe(1);
  });
});
