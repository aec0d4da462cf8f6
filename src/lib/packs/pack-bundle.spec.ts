import { describe, expect, it } from 'vitest';
import { MAX_PACK_FILES, PACK_BUNDLE_FORMAT, packBundle, packBundleText, readPackBundle } from './pack-bundle.ts';

const FILES = [
  { path: 'pack.json', text: '{"name":"demo","version":"1.2.0","title":"Demo"}' },
  { path: 'data/contact.csv', text: '\ufefffull_name,email\r\n"Sara, M.",s@example.com\r\n' },
  { path: 'entities/contact.json', text: '{ "$id": "contact" }\n' },
];

describe('pack bundles', () => {
  it('hold every file by path, texts byte for byte, with the format, its version, the name and version', () => {
    const bundle = packBundle(FILES);
    expect(bundle).toMatchObject({ format: PACK_BUNDLE_FORMAT, formatVersion: 1, name: 'demo', version: '1.2.0' });
    expect(Object.keys(bundle.files)).toEqual(['data/contact.csv', 'entities/contact.json', 'pack.json']);
    const read = readPackBundle(packBundleText(FILES));
    expect(read.ok && read.files).toEqual([...FILES].sort((a, b) => a.path.localeCompare(b.path)));
  });

  it('round-trips to the same bytes', () => {
    const text = packBundleText(FILES);
    const read = readPackBundle(text);
    if (!read.ok) throw new Error('unreadable');
    expect(packBundleText(read.files)).toBe(text);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('refuses what is not a bundle of this format version, naming the reason', () => {
    const message = (input: unknown) => {
      const read = readPackBundle(input);
      return read.ok ? null : read.issues.map((i) => `${i.pointer} ${i.message}`).join('; ');
    };
    expect(message('{oops')).toMatch(/not valid JSON/);
    expect(message('[]')).toMatch(/JSON object/);
    expect(message({ format: 'zip', formatVersion: 1, files: {} })).toMatch(/^\/format /);
    expect(message({ format: PACK_BUNDLE_FORMAT, formatVersion: 2, files: {} })).toMatch(/version 2 is not supported/);
    expect(message({ format: PACK_BUNDLE_FORMAT, formatVersion: 1, files: [] })).toMatch(/^\/files /);
    expect(message({ format: PACK_BUNDLE_FORMAT, formatVersion: 1, files: { '../etc/passwd': 'x', '.hidden/a': 'x', 'a/b/c.json': 'x', '/abs.json': 'x' } })?.split('; ')).toHaveLength(4);
    expect(message({ format: PACK_BUNDLE_FORMAT, formatVersion: 1, files: { 'pack.json': 42 } })).toMatch(/its text/);
    const many = Object.fromEntries(Array.from({ length: MAX_PACK_FILES + 1 }, (_, i) => [`data/e${i}.csv`, '']));
    expect(message({ format: PACK_BUNDLE_FORMAT, formatVersion: 1, files: many })).toMatch(/at most/);
  });

  it('a "__proto__" path is read as a path (and refused later as no pack file), never as a prototype', () => {
    const read = readPackBundle(`{"format":"${PACK_BUNDLE_FORMAT}","formatVersion":1,"files":{"__proto__":"x"}}`);
    expect(read.ok && read.files.map((f) => f.path)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
