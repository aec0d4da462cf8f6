import { describe, expect, it } from 'vitest';
import { dataFixtureModel } from './data-fixture.ts';
import { checkHeaders, normaliseMapping, unmappedHeaders } from './import-mapping.ts';

const { model } = dataFixtureModel();

describe('normaliseMapping', () => {
  it('fills defaults and gives mapped relations their key (the title field unless declared)', () => {
    const result = normaliseMapping({ entity: 'contact', columns: { Name: 'full_name', Email: 'email', Company: 'company_id', Skip: null } }, { model, entity: 'contact' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.mapping.onDuplicate).toBe('skip');
    expect(result.mapping.mode).toBe('all-or-nothing');
    expect(result.mapping.relations.get('company_id')).toEqual({ target: 'company', on: 'name', create: false });
    expect(result.mapping.columns.get('Skip')).toBeNull();
  });

  it('reads declared relation keys, value tables (folded) and defaults', () => {
    const result = normaliseMapping(
      {
        entity: 'contact',
        columns: { Name: 'full_name', Email: 'email', Org: 'company_id', Stage: 'stage' },
        relations: { company_id: { on: 'code', create: false } },
        values: { stage: { 'Closed Won': 'customer' } },
        defaults: { stage: 'lead', visits: 0 },
        dedupeOn: ['email'],
        onDuplicate: 'merge',
        dateFormats: ['DD/MM/YYYY'],
      },
      { model },
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.mapping.relations.get('company_id')).toEqual({ target: 'company', on: 'code', create: false });
    expect(result.mapping.values.get('stage')?.get('closed won')).toBe('customer');
    expect(result.mapping.defaults.get('visits')).toBe(0);
  });

  it('reports every problem with its JSON pointer', () => {
    const result = normaliseMapping(
      {
        entity: 'contact',
        columns: { A: 'full_name', B: 'full_name', C: 'nope', D: 'number', 'x/y': 'id' },
        relations: { email: 'name', company_id: 'ghost' },
        dedupeOn: ['phone', 'budget'],
        defaults: { visits: -1, number: 'C-1' },
        values: { ghost: { a: 'b' } },
        dateFormats: ['DD/MM'],
      },
      { model, entity: 'contact' },
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const byPointer = Object.fromEntries(result.issues.map((i) => [i.pointer, i.message]));
    expect(byPointer['/columns/B']).toContain('both map to full_name');
    expect(byPointer['/columns/C']).toContain('not a field');
    expect(byPointer['/columns/D']).toContain('computed');
    expect(byPointer['/columns/x~1y']).toContain('not a field');
    expect(byPointer['/relations/email']).toContain('not a relation field');
    expect(byPointer['/relations/company_id']).toContain('"ghost" is not a field of company');
    expect(byPointer['/dedupeOn/0']).toContain('not mapped');
    expect(byPointer['/dedupeOn/1']).toContain('one column');
    expect(byPointer['/defaults/visits']).toContain('>= 0');
    expect(byPointer['/defaults/number']).toContain('computed');
    expect(byPointer['/values/ghost']).toContain('not a field');
    expect(byPointer['/dateFormats']).toContain('year, a month and a day');
  });

  it('refuses what the schema refuses, and a mapping of another entity', () => {
    expect(normaliseMapping({ entity: 'contact', columns: {}, onDuplicate: 'replace' }, { model })).toMatchObject({ ok: false, issues: [{ pointer: '/onDuplicate' }] });
    expect(normaliseMapping({ entity: 'contact', columns: {}, extra: 1 }, { model })).toMatchObject({ ok: false });
    expect(normaliseMapping({ entity: 'company', columns: {} }, { model, entity: 'contact' })).toMatchObject({ ok: false, issues: [{ pointer: '/entity' }] });
    expect(normaliseMapping({ entity: 'ghost', columns: {} }, { model })).toMatchObject({ ok: false, issues: [{ pointer: '/entity' }] });
  });

  it('keeps a __proto__ column as a column, not a prototype', () => {
    const result = normaliseMapping(JSON.parse('{"entity":"contact","columns":{"__proto__":"full_name","Email":"email"}}'), { model });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.mapping.columns.get('__proto__')).toBe('full_name');
  });
});

describe('headers against a mapping', () => {
  it('names mapped columns the file lacks, and columns nobody mapped', () => {
    const result = normaliseMapping({ entity: 'contact', columns: { Name: 'full_name', Email: 'email', Old: null } }, { model });
    if (!result.ok) throw new Error('invalid');
    expect(checkHeaders(result.mapping, ['Name', 'Old', 'Extra'])).toEqual([{ pointer: '/columns/Email', message: expect.stringContaining('no column "Email"') }]);
    expect(unmappedHeaders(result.mapping, ['Name', 'Old', 'Extra'])).toEqual(['Extra']);
  });
});
