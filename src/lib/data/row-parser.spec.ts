import { describe, expect, it } from 'vitest';
import { dataFixtureModel } from './data-fixture.ts';
import { normaliseMapping, type ImportMappingDefinition } from './import-mapping.ts';
import { compileRowParser } from './row-parser.ts';

const { model } = dataFixtureModel();

function parserFor(def: Omit<ImportMappingDefinition, 'entity'>, headers: string[]) {
  const result = normaliseMapping({ entity: 'contact', ...def }, { model });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return compileRowParser({ model, mapping: result.mapping, headers });
}

describe('compileRowParser', () => {
  const headers = ['Name', 'Email', 'Phone', 'Birthday', 'Stage', 'Budget', 'Visits', 'Company', 'Tags'];
  const parse = parserFor(
    {
      columns: { Name: 'full_name', Email: 'email', Phone: 'phone', Birthday: 'birthday', Stage: 'stage', Budget: 'budget', Visits: 'visits', Company: 'company_id', Tags: 'tags' },
      dateFormats: ['DD/MM/YYYY'],
      defaults: { stage: 'lead' },
    },
    headers,
  );

  it('parses each cell by its field type: digits, labels, money, local dates, lists', () => {
    const row = parse(['سارا محمدی', 'Sara@Example.COM', '۰۹۱۲ ۳۴۵ ۶۷۸۹', '۲۱/۰۸/۱۹۹۰', 'مشتری', '12.50 USD', '۴۲', 'Acme', 'vip; new'], 2);
    expect(row).toEqual({
      ok: true,
      row: 2,
      values: { full_name: 'سارا محمدی', email: 'Sara@example.com', phone: '+989123456789', birthday: '1990-08-21', stage: 'customer', budget: { amount: '12.50', currency: 'USD' }, visits: 42, tags: ['vip', 'new'] },
      defaults: {},
      refs: [{ field: 'company_id', column: 'Company', cell: 'Acme', key: { target: 'company', on: 'name', create: false }, id: null, value: 'Acme', text: 'Acme', fromDefault: false }],
    });
  });

  it('fills defaults for empty cells only, and takes ids as they are', () => {
    const row = parse(['Ali', 'ali@x.ir', '', '1990-08-21', '', '', '', '0B6F6C2E-8A3D-4A8E-9D2F-3C1E5B7A9F10', ''], 3);
    expect(row).toMatchObject({ ok: true, values: { full_name: 'Ali', email: 'ali@x.ir', birthday: '1990-08-21' }, defaults: { stage: 'lead' } });
    if (row.ok) expect(row.refs[0]?.id).toBe('0b6f6c2e-8a3d-4a8e-9d2f-3c1e5b7a9f10');
  });

  it('reports every bad cell of a row with its column, field and reason', () => {
    const row = parse(['Ali', 'not-an-email', '', '31/02/2024', 'VIP', '12 GBP', 'many', '', ''], 7);
    expect(row.ok).toBe(false);
    if (row.ok) return;
    expect(row.issues.map((i) => [i.row, i.column, i.field])).toEqual([
      [7, 'Email', 'email'],
      [7, 'Birthday', 'birthday'],
      [7, 'Stage', 'stage'],
      [7, 'Budget', 'budget'],
      [7, 'Visits', 'visits'],
    ]);
    expect(row.issues[1]?.message).toContain('DD/MM/YYYY');
    expect(row.issues[2]?.message).toContain('lead, customer');
  });

  it('reports a ragged row as one problem', () => {
    expect(parse(['Ali', 'a@x.ir'], 4)).toMatchObject({ ok: false, issues: [{ row: 4, column: null, message: expect.stringContaining('2 cells but the header has 9') }] });
  });

  it('applies the value table before parsing, and restores neutralised cells', () => {
    const p = parserFor({ columns: { Name: 'full_name', Email: 'email', Stage: 'stage' }, values: { stage: { 'Closed Won': 'customer' } } }, ['Name', 'Email', 'Stage']);
    expect(p(["'=cmd", 'a@x.ir', 'closed  won'], 2)).toMatchObject({ ok: true, values: { full_name: '=cmd', stage: 'customer' } });
  });

  it('normalises relation keys through the key field (numbers with Persian digits)', () => {
    const p = parserFor({ columns: { Name: 'full_name', Email: 'email', Org: 'company_id' }, relations: { company_id: 'code' } }, ['Name', 'Email', 'Org']);
    expect(p(['A', 'a@x.ir', '۱۲'], 2)).toMatchObject({ ok: true, refs: [{ text: '12', key: { on: 'code' } }] });
    expect(p(['A', 'a@x.ir', 'x'], 2)).toMatchObject({ ok: false, issues: [{ column: 'Org', message: expect.stringContaining('no company can have code "x"') }] });
  });

  it('takes a relation default as a key, used only when the row has no value of its own', () => {
    const p = parserFor({ columns: { Name: 'full_name', Email: 'email', Org: 'company_id' }, defaults: { company_id: '(no company)' } }, ['Name', 'Email', 'Org']);
    expect(p(['A', 'a@x.ir', ''], 2)).toMatchObject({ ok: true, refs: [{ field: 'company_id', text: '(no company)', fromDefault: true }] });
    expect(p(['A', 'a@x.ir', 'Acme'], 3)).toMatchObject({ ok: true, refs: [{ field: 'company_id', text: 'Acme', fromDefault: false }] });
  });
});
