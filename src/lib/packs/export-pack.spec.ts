import { describe, expect, it } from 'vitest';
import { composeModel } from '../model/compose-model.ts';
import { loadPackFiles, type SourceFile } from '../model/load-pack.ts';
import { emptyModel, type Model } from '../model/types.ts';
import { exportPackFiles } from './export-pack.ts';

const FILES: SourceFile[] = [
  { path: 'pack.json', text: '{"name":"demo","version":"1.0.0","title":{"en":"Demo","fa":"نمونه"},"locales":["en","fa"],"description":"A demo."}' },
  {
    path: 'entities/contact.json',
    text: JSON.stringify({
      $id: 'contact',
      type: 'object',
      title: 'Contact',
      properties: { zname: { type: 'string', title: 'Name' }, email: { type: 'string', format: 'email' }, stage: { type: 'string', enum: ['lead', 'customer'], default: 'lead' } },
      required: ['zname'],
    }),
  },
  {
    path: 'workflows/welcome.json',
    text: JSON.stringify({ name: 'welcome', entity: 'contact', trigger: { on: 'record.created' }, actions: [{ id: 'task', type: 'create_task', title: 'Welcome {{record.zname}}' }] }),
  },
  { path: 'i18n/fa.json', text: '{"contact.help.email":"ایمیل کاری"}' },
  // Byte for byte: a BOM, CRLF line ends, a quoted comma.
  { path: 'data/contact.csv', text: '\ufeffzname,email\r\n"Smith, Jane",jane@example.com\r\n' },
  { path: 'imports/old_crm.json', text: '{"entity":"contact","columns":{"Name":"zname","E-mail":"email"}}' },
];

function install(files: readonly SourceFile[], base: Model = emptyModel()): Model {
  const loaded = loadPackFiles(files);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  const composed = composeModel(base, loaded.pack);
  if (!composed.ok) throw new Error(JSON.stringify(composed.issues));
  // As stored: jsonb keeps no key order.
  return JSON.parse(JSON.stringify(composed.model, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v))) as Model;
}

describe('exportPackFiles', () => {
  it('writes every kind back: entities and workflows from the model, the rest as installed, in canonical form', () => {
    const files = exportPackFiles({ model: install(FILES), packName: 'demo', installed: FILES });
    expect(files.map((f) => f.path)).toEqual(['data/contact.csv', 'entities/contact.json', 'i18n/fa.json', 'imports/old_crm.json', 'pack.json', 'workflows/welcome.json']);
    const text = (path: string) => files.find((f) => f.path === path)?.text ?? '';
    expect(text('data/contact.csv')).toBe(FILES[4]?.text);
    expect(text('pack.json')).toBe('{\n  "name": "demo",\n  "version": "1.0.0",\n  "title": {\n    "en": "Demo",\n    "fa": "نمونه"\n  },\n  "description": "A demo.",\n  "locales": [\n    "en",\n    "fa"\n  ]\n}\n');
    // Fields keep their order although the stored model's keys were reversed.
    expect(Object.keys((JSON.parse(text('entities/contact.json')) as { properties: object }).properties)).toEqual(['zname', 'email', 'stage']);
    for (const file of files.filter((f) => f.path.endsWith('.json'))) expect(file.text.endsWith('\n')).toBe(true);
  });

  it('export → install → export gives the same bytes', () => {
    const first = exportPackFiles({ model: install(FILES), packName: 'demo', installed: FILES });
    const second = exportPackFiles({ model: install(first), packName: 'demo', installed: first });
    expect(second).toEqual(first);
  });

  it('exports only the pack’s own entities and workflows', () => {
    const other: SourceFile[] = [
      { path: 'pack.json', text: '{"name":"other","version":"1.0.0","title":"Other"}' },
      { path: 'entities/thing.json', text: '{"$id":"thing","type":"object","properties":{"x":{"type":"string"}}}' },
    ];
    const model = install(other, install(FILES));
    expect(exportPackFiles({ model, packName: 'other', installed: other }).map((f) => f.path)).toEqual(['entities/thing.json', 'pack.json']);
  });
});
