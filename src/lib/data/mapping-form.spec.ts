import { describe, expect, it } from 'vitest';
import { dataFixtureModel } from './data-fixture.ts';
import { columnChoices, draftFor, mappingFromForm } from './mapping-form.ts';

const { model, contact } = dataFixtureModel();

function form(entries: [string, string][]) {
  const data = new FormData();
  for (const [k, v] of entries) data.append(k, v);
  return data;
}

describe('mapping form', () => {
  const headers = ['Name', 'Mail', 'Org', 'Junk'];

  it('drafts from suggestions, or from a template', () => {
    expect(draftFor(contact, headers, null)).toEqual({ entity: 'contact', columns: { Name: 'full_name' } });
    const template = { entity: 'contact', columns: { Mail: 'email' }, values: { stage: { Won: 'customer' } } };
    expect(draftFor(contact, headers, template)).toEqual(template);
  });

  it('reads columns by position, keeps what the form does not show, and drops what is not a writable field', () => {
    const draft = { entity: 'contact', columns: {}, values: { stage: { Won: 'customer' } }, defaults: { stage: 'lead' }, sheet: 'Data' };
    const doc = mappingFromForm(
      form([
        ['col.0', 'full_name'],
        ['col.1', 'email'],
        ['col.2', 'company_id'],
        ['rel.2', 'code'],
        ['col.3', 'number'],
        ['dedupe', 'email'],
        ['dedupe', 'ghost'],
        ['onDuplicate', 'merge'],
        ['mode', 'sometimes'],
        ['dateFormats', 'DD/MM/YYYY, M/D/YYYY'],
      ]),
      headers,
      draft,
      contact,
      model,
    );
    expect(doc).toEqual({
      entity: 'contact',
      columns: { Name: 'full_name', Mail: 'email', Org: 'company_id', Junk: null },
      relations: { company_id: 'code' },
      dedupeOn: ['email'],
      onDuplicate: 'merge',
      dateFormats: ['DD/MM/YYYY', 'M/D/YYYY'],
      values: { stage: { Won: 'customer' } },
      defaults: { stage: 'lead' },
      sheet: 'Data',
    });
  });

  it('shows each column with its field and, for a relation, what it is found by', () => {
    const choices = columnChoices(model, contact, ['Name', 'org'], { entity: 'contact', columns: { Name: 'full_name', Org: 'company_id' } });
    expect(choices).toEqual([
      { index: 0, header: 'Name', field: 'full_name', on: null, keyFields: [] },
      { index: 1, header: 'org', field: 'company_id', on: 'name', keyFields: ['name', 'code', 'contact_count'] },
    ]);
  });
});
