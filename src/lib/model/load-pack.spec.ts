import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadPack, type PackIssue, type PackModel, type PackSource, type SourceFile } from './load-pack.ts';

const MANIFEST: SourceFile = { path: 'pack.json', text: JSON.stringify({ name: 'test-pack', version: '1.0.0', title: 'Test pack' }) };

function file(id: string, properties: Record<string, unknown>, extra: Record<string, unknown> = {}): SourceFile {
  return { path: `entities/${id}.json`, text: JSON.stringify({ $id: id, type: 'object', properties, ...extra }) };
}

function issuesOf(entities: readonly SourceFile[], manifest: SourceFile | null = MANIFEST): readonly PackIssue[] {
  const result = loadPack({ manifest, entities });
  if (result.ok) return expect.unreachable('the pack should have been refused');
  return result.issues;
}

function packOf(source: PackSource): PackModel {
  const result = loadPack(source);
  if (!result.ok) throw new Error(result.issues.map((i) => `${i.file}${i.pointer}: ${i.message}`).join('\n'));
  return result.pack;
}

function b2bSales(): PackSource {
  const root = new URL('../../../packs/b2b-sales/', import.meta.url);
  const dir = new URL('entities/', root);
  return {
    manifest: { path: 'pack.json', text: readFileSync(new URL('pack.json', root), 'utf8') },
    entities: readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => ({ path: `entities/${f}`, text: readFileSync(new URL(f, dir), 'utf8') })),
  };
}

/** Every object reachable from `value`, `value` included. */
function objectsIn(value: unknown, out: object[] = []): object[] {
  if (value && typeof value === 'object') {
    out.push(value);
    for (const v of Object.values(value)) objectsIn(v, out);
  }
  return out;
}

const UNSAFE_NAMES: readonly (readonly [string, string])[] = [
  ["na'me", 'lower-case letters, digits and _'],
  ['na"me', 'lower-case letters, digits and _'],
  ['name;drop', 'lower-case letters, digits and _'],
  ['first.name', 'lower-case letters, digits and _'],
  ['first-name', 'lower-case letters, digits and _'],
  ['FirstName', 'lower-case letters, digits and _'],
  ['first name', 'a space, an invisible or a non-ASCII character'],
  ['نام', 'a space, an invisible or a non-ASCII character'],
  ['na\u200Bme', 'a space, an invisible or a non-ASCII character'],
  ['select', 'reserved word'],
  ['user', 'reserved word'],
  ['first__name', '"__"'],
];

describe('loadPack: names that would become SQL identifiers', () => {
  it.each([...UNSAFE_NAMES, ['id', 'system field'], ['version', 'system field'], ['a'.repeat(49), 'at most 48']] as const)(
    'refuses the field name %j at its own pointer, in words',
    (name, reason) => {
      const issues = issuesOf([file('thing', { title: { type: 'string' }, [name]: { type: 'string' } })]);
      expect(issues).toEqual([{ file: 'entities/thing.json', pointer: `/properties/${name}`, message: expect.stringContaining(reason) as string }]);
      expect(issues[0]?.message).toMatch(/^field name /);
    },
  );

  it.each([...UNSAFE_NAMES, ['b'.repeat(41), 'at most 40']] as const)('refuses the entity name %j in words', (name, reason) => {
    const issues = issuesOf([{ path: `entities/${name}.json`, text: JSON.stringify({ $id: name, type: 'object', properties: { title: { type: 'string' } } }) }]);
    expect(issues).toEqual([{ file: `entities/${name}.json`, pointer: '/$id', message: expect.stringContaining(reason) as string }]);
    expect(issues[0]?.message).toMatch(/^entity name /);
  });

  it('makes an invisible character visible in the message', () => {
    const [issue] = issuesOf([file('thing', { ['na\u200Bme']: { type: 'string' } })]);
    expect(issue?.message).toContain('na\\u{200b}me');
    expect(issue?.message).not.toContain('\u200B');
  });

  it('accepts names at the length limits', () => {
    expect(loadPack({ manifest: MANIFEST, entities: [file('e'.repeat(40), { ['f'.repeat(48)]: { type: 'string' } })] }).ok).toBe(true);
  });
});

describe('loadPack: keywords and field schemas', () => {
  it('refuses keywords the platform does not understand, naming each', () => {
    const issues = issuesOf([
      file('thing', {
        a: { type: 'string', tsType: 'any' },
        b: { type: 'string', enum: ['x'], tsEnumNames: ['X'] },
        c: { $ref: 'other.json' },
        d: { $ref: 'http://example.com/evil.json' },
        e: { type: 'string', foo: 1 },
      }),
    ]);
    expect(issues).toEqual([
      { file: 'entities/thing.json', pointer: '/properties/a', message: 'unknown keyword or property "tsType" is not allowed here' },
      { file: 'entities/thing.json', pointer: '/properties/b', message: 'unknown keyword or property "tsEnumNames" is not allowed here' },
      { file: 'entities/thing.json', pointer: '/properties/c', message: 'unknown keyword or property "$ref" is not allowed here' },
      { file: 'entities/thing.json', pointer: '/properties/d', message: 'unknown keyword or property "$ref" is not allowed here' },
      { file: 'entities/thing.json', pointer: '/properties/e', message: 'unknown keyword or property "foo" is not allowed here' },
    ]);
  });

  it('refuses a pattern with a backreference', () => {
    expect(issuesOf([file('thing', { code: { type: 'string', pattern: '(a)\\1' } })])).toEqual([
      { file: 'entities/thing.json', pointer: '/properties/code/pattern', message: expect.stringContaining('backreferences and lookaround are not allowed') as string },
    ]);
  });

  it('refuses type "number" and says what to use instead', () => {
    const [issue, ...rest] = issuesOf([file('thing', { price: { type: 'number' } })]);
    expect(rest).toEqual([]);
    expect(issue?.pointer).toBe('/properties/price');
    expect(issue?.message).toContain('type "number" is not supported');
    expect(issue?.message).toContain('format: "decimal"');
    expect(issue?.message).toContain('type: "integer"');
  });

  it('refuses a default that does not fit the field', () => {
    expect(issuesOf([file('thing', { count: { type: 'integer', default: 'x' } })])).toEqual([
      { file: 'entities/thing.json', pointer: '/properties/count/default', message: 'the default value must be of type integer' },
    ]);
  });

  it('refuses "required" naming a missing field', () => {
    expect(issuesOf([file('thing', { name: { type: 'string' } }, { required: ['name', 'nmae'] })])).toEqual([
      { file: 'entities/thing.json', pointer: '/required', message: '"nmae" is listed as required but there is no such field' },
    ]);
  });

  it('refuses x-ref to an entity the pack does not define', () => {
    expect(issuesOf([file('thing', { owner_id: { type: 'string', format: 'uuid', 'x-ref': 'nowhere' } })])).toEqual([
      { file: 'entities/thing.json', pointer: '/properties/owner_id/x-ref', message: expect.stringContaining('"nowhere"') as string },
    ]);
  });
});

describe('loadPack: files', () => {
  it('reports invalid JSON with its line and column', () => {
    const text = '{\n  "$id": "thing",\n  "type": "object"\n  "properties": {}\n}';
    const [issue, ...rest] = issuesOf([{ path: 'entities/thing.json', text }]);
    expect(rest).toEqual([]);
    expect(issue?.file).toBe('entities/thing.json');
    expect(issue?.pointer).toBe('');
    expect(issue?.message).toMatch(/^the file is not valid JSON at line 4, column 3/);
  });

  it('refuses an $id that differs from the file name', () => {
    expect(issuesOf([{ path: 'entities/company.json', text: JSON.stringify({ $id: 'firm', type: 'object', properties: {} }) }])).toEqual([
      { file: 'entities/company.json', pointer: '/$id', message: 'the entity is named "firm" but its file is named "company.json"; they must match' },
    ]);
  });

  it('reports a problem in the fifth entity against that file only, and loads nothing', () => {
    const entities = [
      file('first', { name: { type: 'string' } }),
      file('second', { name: { type: 'string' }, fifth_id: { type: 'string', format: 'uuid', 'x-ref': 'fifth' } }),
      file('third', { name: { type: 'string' } }),
      file('fourth', { name: { type: 'string' } }),
      file('fifth', { name: { type: 'string' }, size: { type: 'integer', default: 'large' } }),
    ];
    const result = loadPack({ manifest: MANIFEST, entities });
    expect(result.ok).toBe(false);
    expect(result).not.toHaveProperty('pack');
    if (result.ok) return;
    expect(result.issues).toEqual([{ file: 'entities/fifth.json', pointer: '/properties/size/default', message: expect.any(String) as string }]);
  });

  it('reports every problem of a pack at once', () => {
    const issues = issuesOf([
      file(
        'thing',
        {
          title: { type: 'string' },
          select: { type: 'string' },
          price: { type: 'number' },
          code: { type: 'string', pattern: '(a)\\1' },
          count: { type: 'integer', default: 'x' },
        },
        { required: ['missing'] },
      ),
      file('other', { title: { type: 'string', foo: true } }),
      file('Bad', { title: { type: 'string' } }),
    ]);
    expect(issues.map((i) => `${i.file}${i.pointer}`).sort()).toEqual(
      [
        'entities/Bad.json/$id',
        'entities/other.json/properties/title',
        'entities/thing.json/properties/code/pattern',
        'entities/thing.json/properties/count/default',
        'entities/thing.json/properties/price',
        'entities/thing.json/properties/select',
        'entities/thing.json/required',
      ].sort(),
    );
  });

  it('refuses a pack without a manifest', () => {
    expect(issuesOf([file('thing', { name: { type: 'string' } })], null)).toEqual([{ file: 'pack.json', pointer: '', message: 'the pack has no pack.json manifest' }]);
  });
});

describe('loadPack: hostile input', () => {
  it('refuses __proto__ as a field name without polluting Object.prototype', () => {
    const before = Object.getOwnPropertyNames(Object.prototype);
    const text = '{"$id":"thing","type":"object","properties":{"__proto__":{"type":"string","polluted":true},"name":{"type":"string"}}}';
    const issues = issuesOf([{ path: 'entities/thing.json', text }]);
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.every((i) => i.file === 'entities/thing.json')).toBe(true);
    expect(issues.some((i) => i.pointer === '/properties/__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(before);
  });

  it('refuses __proto__ inside a field schema', () => {
    const text = '{"$id":"thing","type":"object","properties":{"name":{"type":"string","__proto__":{"polluted":true}}}}';
    expect(issuesOf([{ path: 'entities/thing.json', text }])).toEqual([
      { file: 'entities/thing.json', pointer: '/properties/name', message: 'unknown keyword or property "__proto__" is not allowed here' },
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('loadPack: a valid pack', () => {
  it('loads packs/b2b-sales with its entities and their field types', () => {
    const pack = packOf(b2bSales());
    expect(pack.info.name).toBe('b2b-sales');
    expect(pack.entities.map((e) => e.name).sort()).toEqual(['activity', 'company', 'contact', 'deal', 'product', 'sales_agent']);
    const field = (entityName: string, fieldName: string) => {
      const found = pack.entities.find((e) => e.name === entityName)?.fields.find((f) => f.name === fieldName);
      if (!found) return expect.unreachable(`${entityName}.${fieldName} is missing`);
      return found;
    };
    expect(field('deal', 'amount').type).toBe('money');
    expect(field('deal', 'number')).toMatchObject({ type: 'auto_number', readOnly: true, autoNumber: { prefix: 'DL-', digits: 6 } });
    expect(field('deal', 'probability').type).toBe('percent');
    expect(field('deal', 'company_id')).toMatchObject({ type: 'relation', required: true, relation: { entity: 'company', onDelete: 'cascade' } });
    expect(field('contact', 'company_id')).toMatchObject({ type: 'relation', required: false, indexed: true, relation: { entity: 'company', onDelete: 'set-null' } });
    expect(field('contact', 'email')).toMatchObject({ type: 'email', required: true, unique: true });
    expect(field('contact', 'stage')).toMatchObject({ type: 'single_select', defaultValue: 'lead' });
    expect(field('contact', 'stage').options.map((o) => o.value)).toEqual(['lead', 'customer', 'churned']);
    expect(field('contact', 'tags').type).toBe('tags');
    expect(field('contact', 'birthday').type).toBe('date');
    expect(field('company', 'employees').type).toBe('integer');
    expect(pack.entities.find((e) => e.name === 'deal')?.indexes).toEqual([{ fields: ['company_id', 'stage'], unique: false }]);
  });

  it('returns a deeply frozen model', () => {
    const pack = packOf(b2bSales());
    const objects = objectsIn(pack);
    expect(objects.length).toBeGreaterThan(100);
    expect(objects.filter((o) => !Object.isFrozen(o))).toEqual([]);
    expect(() => (pack.entities as unknown as unknown[]).push(null)).toThrow(TypeError);
  });
});
