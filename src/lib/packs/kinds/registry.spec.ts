import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createPackAjv } from '../../model/ajv.ts';
import { loadPack, loadPackFiles, type PackIssue, type SourceFile } from '../../model/load-pack.ts';
import { classifyPackFile, PACK_FILE_KINDS } from './registry.ts';
import { PACK_FILE_KIND_NAMES } from './pack-file-kind.ts';

const json = (path: string, value: unknown): SourceFile => ({ path, text: JSON.stringify(value) });
const MANIFEST = json('pack.json', { name: 'demo', version: '1.0.0', title: 'Demo', locales: ['en', 'fa'] });
const CONTACT = json('entities/contact.json', { $id: 'contact', type: 'object', properties: { full_name: { type: 'string' } } });

function issuesOf(files: readonly SourceFile[]): readonly PackIssue[] {
  const result = loadPackFiles(files);
  return result.ok ? [] : result.issues;
}

describe('the pack file kind registry', () => {
  it('has one registration per kind name, in load order, the manifest first', () => {
    expect(Object.keys(PACK_FILE_KINDS)).toEqual([...PACK_FILE_KIND_NAMES]);
    for (const [name, kind] of Object.entries(PACK_FILE_KINDS)) expect(kind.name).toBe(name);
  });

  it('tells each path its kind, and nothing else', () => {
    const kindOf = (path: string) => classifyPackFile(path)?.name ?? null;
    expect(kindOf('pack.json')).toBe('manifest');
    expect(kindOf('entities/deal.json')).toBe('entities');
    expect(kindOf('workflows/follow_up.json')).toBe('workflows');
    expect(kindOf('i18n/fa.json')).toBe('i18n');
    expect(kindOf('data/deal.csv')).toBe('data');
    expect(kindOf('imports/maven.json')).toBe('imports');
    expect(kindOf('roles/sales_rep.json')).toBe('roles');
    expect(kindOf('README.md')).toBe('docs');
    expect(kindOf('README.fa.md')).toBe('docs');
    for (const other of ['NOTES.md', 'docs/README.md', 'entities/deal.yaml', 'data/deal.json', 'entities/x/deal.json', 'notes/a.json']) expect(kindOf(other)).toBeNull();
  });

  it('every JSON kind has a meta-schema in schemas/ that an editor can use through $schema', () => {
    for (const kind of Object.values(PACK_FILE_KINDS)) {
      if (kind.format === 'text') {
        expect(kind.metaSchema).toBeNull();
        continue;
      }
      const path = new URL(`../../../../schemas/${kind.metaSchema}`, import.meta.url);
      expect(existsSync(path), `${kind.name}: schemas/${kind.metaSchema}`).toBe(true);
      const schema = JSON.parse(readFileSync(path, 'utf8')) as { $id: string; properties?: Record<string, unknown> };
      expect(schema.$id).toBe(`https://peyvand.dev/schemas/${kind.metaSchema}`);
      // A file that names its meta-schema is still valid.
      expect(schema.properties?.$schema, kind.name).toEqual({ type: 'string' });
      expect(() => createPackAjv().compile(schema)).not.toThrow();
    }
  });

  it('a pack with a file of no kind is refused, naming the file and the kinds there are', () => {
    const issues = issuesOf([MANIFEST, CONTACT, { path: 'notes.txt', text: 'hi' }]);
    expect(issues).toEqual([{ file: 'notes.txt', pointer: '', message: expect.stringContaining('entities/<name>.json, workflows/<name>.json, roles/<name>.json, i18n/<locale>.json, data/<entity>.csv, imports/<name>.json, README.md') }]);
  });

  it('loads every kind, keeping every file (sorted) for install and export', () => {
    const files = [
      MANIFEST,
      CONTACT,
      json('i18n/fa.json', { $schema: '../../schemas/i18n.schema.json', 'contact.help.full_name': 'نام و نام خانوادگی' }),
      { path: 'data/contact.csv', text: 'full_name\nSara\n' },
      json('imports/crm_export.json', { entity: 'contact', columns: { Name: 'full_name' } }),
    ];
    const result = loadPackFiles(files);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.pack.files.map((f) => f.path)).toEqual(['data/contact.csv', 'entities/contact.json', 'i18n/fa.json', 'imports/crm_export.json', 'pack.json']);
    expect(result.pack.entities.map((e) => e.name)).toEqual(['contact']);
  });

  it('files given apart to loadPack are recorded where a pack folder holds them', () => {
    const result = loadPack({ manifest: { path: 'some/where/pack.json', text: MANIFEST.text }, entities: [{ path: 'contact.json', text: CONTACT.text }] });
    expect(result.ok && result.pack.files.map((f) => f.path)).toEqual(['entities/contact.json', 'pack.json']);
  });

  it('i18n: the locale must be a locale of the pack, keys dotted lower case, values texts', () => {
    const issues = issuesOf([MANIFEST, CONTACT, json('i18n/de.json', { 'a.b': 'x' }), json('i18n/fa.json', { 'Contact.Title': 'x', 'a.b': 3 }), json('i18n/english.json', {})]);
    expect(issues.map((i) => `${i.file} ${i.pointer}`)).toEqual(expect.arrayContaining(['i18n/de.json ', 'i18n/english.json ', 'i18n/fa.json ', 'i18n/fa.json /a.b']));
    expect(issues.find((i) => i.file === 'i18n/de.json')?.message).toMatch(/not listed in pack.json "locales"/);
  });

  it('data: a CSV for an entity the pack does not define is refused; its cells are not parsed here', () => {
    expect(issuesOf([MANIFEST, CONTACT, { path: 'data/deal.csv', text: 'x\n1\n' }])).toEqual([{ file: 'data/deal.csv', pointer: '', message: expect.stringMatching(/entity "deal", which this pack does not define/) }]);
    expect(issuesOf([MANIFEST, CONTACT, { path: 'data/contact.csv', text: 'no_such_column\n1\n' }])).toEqual([]);
  });

  it('imports: checked by the import-mapping meta-schema and for its entity', () => {
    const issues = issuesOf([MANIFEST, CONTACT, json('imports/a.json', { entity: 'deal', columns: {} }), json('imports/b.json', { columns: {} }), json('imports/c.json', { entity: 'contact', columns: {}, name: 'other' })]);
    expect(issues.map((i) => `${i.file} ${i.pointer}`)).toEqual(['imports/a.json /entity', 'imports/b.json ', 'imports/c.json /name']);
  });

  it('binary, oversized and NUL-carrying files are refused before parsing', () => {
    const issues = issuesOf([MANIFEST, CONTACT, { path: 'data/contact.csv', text: 'a\u0000b' }, { path: 'i18n/fa.json', text: '{"a.b":"\\u0000"}' }, { path: 'data/x.csv', text: 'a'.repeat(50_000_001) }]);
    expect(issues.map((i) => i.file).sort()).toEqual(['data/contact.csv', 'data/x.csv', 'i18n/fa.json']);
  });

  it('JSON nested deeper than any pack document needs is refused before it is walked', () => {
    const deep = `{"$id":"contact","type":"object","properties":{"a":{"type":"string","default":${'['.repeat(100_000)}${']'.repeat(100_000)}}}}`;
    expect(issuesOf([MANIFEST, { path: 'entities/contact.json', text: deep }])).toEqual([{ file: 'entities/contact.json', pointer: '', message: 'the file nests objects and lists deeper than 64 levels' }]);
    // Brackets inside strings do not count.
    expect(issuesOf([MANIFEST, CONTACT, json('i18n/fa.json', { 'a.b': '['.repeat(100) })])).toEqual([]);
  });

  it('the manifest: version ranges it understands, and not itself', () => {
    const issues = issuesOf([json('pack.json', { name: 'demo', version: '1.0.0', title: 'Demo', requires: { platform: 'latest', packs: { demo: '^1.0.0', other: 'soon' } } }), CONTACT]);
    expect(issues.map((i) => i.pointer)).toEqual(['/requires/platform', '/requires/packs/demo', '/requires/packs/other']);
  });
});
