import { describe, expect, it } from 'vitest';
import { loadPackFiles, type PackIssue, type SourceFile } from '../../model/load-pack.ts';
import { buildModel, composeModel } from '../../model/compose-model.ts';
import { exportPackFiles } from '../export-pack.ts';
import { mergePackFiles } from '../merge-pack-files.ts';
import { packJson } from '../pack-json.ts';
import { classifyPackFile } from './registry.ts';
import { roleFileText } from './roles.ts';

const json = (path: string, value: unknown): SourceFile => ({ path, text: JSON.stringify(value) });
const MANIFEST = json('pack.json', { name: 'demo', version: '1.0.0', title: 'Demo' });
const DEAL = json('entities/deal.json', { $id: 'deal', type: 'object', properties: { title: { type: 'string' }, amount: { type: 'integer' } } });
const REP = {
  $schema: '../../../schemas/role.schema.json',
  name: 'rep',
  title: 'Rep',
  'x-labels': { fa: 'کارشناس فروش' },
  entities: { '*': { read: 'team' }, deal: { create: true, read: 'own', update: 'own', fields: { amount: 'read' } } },
};

function issuesOf(files: readonly SourceFile[]): readonly PackIssue[] {
  const result = loadPackFiles(files);
  return result.ok ? [] : result.issues;
}

describe('the roles kind', () => {
  it('owns roles/<name>.json', () => {
    expect(classifyPackFile('roles/rep.json')?.name).toBe('roles');
    expect(classifyPackFile('roles/x/rep.json')).toBeNull();
  });

  it('loads a role into the pack, normalised and owned by the pack', () => {
    const result = loadPackFiles([MANIFEST, DEAL, json('roles/rep.json', REP)]);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.pack.roles).toEqual([
      {
        name: 'rep',
        title: { en: 'Rep', fa: 'کارشناس فروش' },
        description: null,
        administer: false,
        pack: 'demo',
        entities: {
          '*': { create: false, read: 'team', update: 'none', delete: 'none', export: false, import: false, fields: {} },
          deal: { create: true, read: 'own', update: 'own', delete: 'none', export: false, import: false, fields: { amount: 'read' } },
        },
      },
    ]);
  });

  it('reports the file, the pointer and the reason for unknown entities, fields, names and scopes', () => {
    const issues = issuesOf([
      MANIFEST,
      DEAL,
      json('roles/rep.json', { ...REP, entities: { deal: { fields: { nope: 'hidden' } }, ghost: { read: 'all' } } }),
      json('roles/other.json', { ...REP, name: 'rep' }),
      json('roles/bad.json', { name: 'bad', title: 'Bad', entities: { deal: { read: 'everything' } } }),
    ]);
    expect(issues).toEqual(
      expect.arrayContaining([
        { file: 'roles/rep.json', pointer: '/entities/deal/fields/nope', message: 'deal has no field "nope"' },
        { file: 'roles/rep.json', pointer: '/entities/ghost', message: 'there is no entity named "ghost"' },
        expect.objectContaining({ file: 'roles/other.json', pointer: '/name', message: 'the role is named "rep" but its file is named "other.json"; they must match' }),
        expect.objectContaining({ file: 'roles/bad.json', pointer: '/entities/deal/read' }),
      ]),
    );
  });

  it('leaves entities of required packs to composing, which checks them against the deployment', () => {
    const base = loadPackFiles([MANIFEST, DEAL]);
    if (!base.ok) throw new Error('base');
    const installed = composeModel(buildModel([], []), base.pack);
    if (!installed.ok) throw new Error('compose');
    const addon = [json('pack.json', { name: 'addon', version: '1.0.0', title: 'Addon', requires: { packs: { demo: '^1.0.0' } } }), json('roles/rep.json', { ...REP, entities: { deal: { read: 'all', fields: { nope: 'hidden' } } } })];
    const loaded = loadPackFiles(addon);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    const composed = composeModel(installed.model, loaded.pack);
    expect(composed.ok ? [] : composed.issues).toEqual([{ file: 'roles/rep.json', pointer: '/entities/deal/fields/nope', message: 'deal has no field "nope"' }]);
  });

  it('refuses a role another pack already ships', () => {
    const first = loadPackFiles([MANIFEST, DEAL, json('roles/rep.json', REP)]);
    if (!first.ok) throw new Error('first');
    const installed = composeModel(buildModel([], []), first.pack);
    if (!installed.ok) throw new Error('compose');
    const other = loadPackFiles([json('pack.json', { name: 'other', version: '1.0.0', title: 'Other' }), json('roles/rep.json', { ...REP, entities: {} })]);
    if (!other.ok) throw new Error('other');
    const composed = composeModel(installed.model, other.pack);
    expect(composed.ok ? [] : composed.issues).toEqual([{ file: 'roles/rep.json', pointer: '/name', message: 'role "rep" already exists and belongs to pack "demo"' }]);
  });

  it('exports the role from the model, equal to what the pack says, and the export loads to the same model', () => {
    const loaded = loadPackFiles([MANIFEST, DEAL, json('roles/rep.json', REP)]);
    if (!loaded.ok) throw new Error('load');
    const composed = composeModel(buildModel([], []), loaded.pack);
    if (!composed.ok) throw new Error('compose');
    const exported = exportPackFiles({ model: composed.model, packName: 'demo', installed: loaded.pack.files });
    const role = exported.find((f) => f.path === 'roles/rep.json');
    expect(role?.text).toBe(packJson(REP));
    const again = loadPackFiles(exported);
    if (!again.ok) throw new Error(JSON.stringify(again.issues));
    const recomposed = composeModel(buildModel([], []), again.pack);
    expect(recomposed.ok && recomposed.model.hash).toBe(composed.model.hash);
  });

  it('merges three ways: an administrator\'s edit survives an upgrade that changed something else', () => {
    const base = [json('roles/rep.json', REP)];
    const mineRole = { ...REP, entities: { ...REP.entities, deal: { ...REP.entities.deal, update: 'team' } } };
    const packRole = { ...REP, entities: { ...REP.entities, deal: { ...REP.entities.deal, export: true } } };
    const merged = mergePackFiles({ base, mine: [json('roles/rep.json', mineRole)], pack: [json('roles/rep.json', packRole)], resolve: () => null });
    expect(merged.conflicts).toEqual([]);
    expect(JSON.parse(merged.files.find((f) => f.path === 'roles/rep.json')?.text ?? '{}')).toMatchObject({ entities: { deal: { update: 'team', export: true, read: 'own' } } });
    // Both changed the same scope: a conflict, named by file and pointer.
    const clash = mergePackFiles({ base, mine: [json('roles/rep.json', mineRole)], pack: [json('roles/rep.json', { ...REP, entities: { ...REP.entities, deal: { ...REP.entities.deal, update: 'all' } } })], resolve: () => null });
    expect(clash.conflicts.map((c) => c.id)).toEqual(['roles/rep.json#/entities/deal/update']);
  });

  it('writes files in the canonical form', () => {
    const loaded = loadPackFiles([MANIFEST, DEAL, json('roles/rep.json', REP)]);
    if (!loaded.ok) throw new Error('load');
    const [role] = loaded.pack.roles;
    if (!role) throw new Error('no role');
    expect(roleFileText(role)).toBe(packJson(REP));
  });
});
