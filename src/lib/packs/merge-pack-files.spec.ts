import { describe, expect, it } from 'vitest';
import type { SourceFile } from '../model/load-pack.ts';
import { mergePackFiles } from './merge-pack-files.ts';

const file = (path: string, value: unknown): SourceFile => ({ path, text: JSON.stringify(value) });
const company = (props: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ $id: 'company', type: 'object', properties: props, ...extra });

describe('mergePackFiles', () => {
  it('follows an entity the pack renames while keeping a label changed here', () => {
    const base = [file('entities/company.json', company({ name: { type: 'string', title: 'Name' }, city: { type: 'string' } }))];
    const mine = [file('entities/company.json', company({ name: { type: 'string', title: 'Company name' }, city: { type: 'string' } }))];
    const pack = [file('entities/organisation.json', { ...company({ name: { type: 'string', title: 'Name' }, city: { type: 'string', maxLength: 80 } }), $id: 'organisation', 'x-renamed-from': ['company'] })];
    const merged = mergePackFiles({ base, mine, pack, resolve: () => null });
    expect(merged.conflicts).toEqual([]);
    expect(merged.files.map((f) => f.path)).toEqual(['entities/organisation.json']);
    const doc = JSON.parse(merged.files[0]?.text ?? '') as { $id: string; properties: Record<string, { title?: string; maxLength?: number }> };
    expect(doc.$id).toBe('organisation');
    expect(doc.properties.name?.title).toBe('Company name');
    expect(doc.properties.city?.maxLength).toBe(80);
  });

  it('keeps the pack’s text when nothing was changed here, and takes the other kinds from the pack', () => {
    const text = '{ "$id": "company", "type": "object", "properties": { "name": { "type": "string" } } }\n';
    const entity = { path: 'entities/company.json', text };
    const merged = mergePackFiles({
      base: [entity, { path: 'data/company.csv', text: 'name\nA\n' }],
      mine: [file('entities/company.json', JSON.parse(text))],
      pack: [entity, { path: 'data/company.csv', text: 'name\nB\n' }, { path: 'i18n/en.json', text: '{}' }],
      resolve: () => null,
    });
    expect(merged.files).toEqual([{ path: 'data/company.csv', text: 'name\nB\n' }, entity, { path: 'i18n/en.json', text: '{}' }]);
  });

  it('a workflow edited here and changed by the pack is a conflict on the changed value', () => {
    const base = [file('workflows/follow_up.json', { name: 'follow_up', trigger: { on: 'manual' }, actions: [{ id: 'a', type: 'create_task', title: 'Call' }] })];
    const mine = [file('workflows/follow_up.json', { name: 'follow_up', trigger: { on: 'manual' }, actions: [{ id: 'a', type: 'create_task', title: 'Call today' }] })];
    const pack = [file('workflows/follow_up.json', { name: 'follow_up', trigger: { on: 'manual' }, actions: [{ id: 'a', type: 'create_task', title: 'Call back' }], enabled: false })];
    const merged = mergePackFiles({ base, mine, pack, resolve: () => 'pack' });
    expect(merged.conflicts.map((c) => [c.id, c.resolution])).toEqual([['workflows/follow_up.json#/actions', 'pack']]);
    expect(JSON.parse(merged.files[0]?.text ?? '')).toMatchObject({ enabled: false, actions: [{ title: 'Call back' }] });
  });
});
