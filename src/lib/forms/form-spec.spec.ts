import { describe, expect, it } from 'vitest';
import { buildFormSpec, DEFAULT_SECTION_ID } from './form-spec.ts';
import { b2bEntity, entityOf } from './pack-fixture.ts';

describe('buildFormSpec', () => {
  const deal = b2bEntity('deal');

  it('puts every field of an entity without sections into one default section, in declaration order', () => {
    const contact = b2bEntity('contact');
    const spec = buildFormSpec(contact, 'create');
    expect(spec.sections).toHaveLength(1);
    const [section] = spec.sections;
    expect(section?.id).toBe(DEFAULT_SECTION_ID);
    expect(section?.label).toEqual({ en: 'Details', fa: 'جزئیات', ar: 'التفاصيل' });
    expect(section?.fields.map((f) => f.field.name)).toEqual(contact.fields.filter((f) => !f.readOnly).map((f) => f.name));
  });

  it('groups the deal form into its declared sections, the main fields first', () => {
    const spec = buildFormSpec(deal, 'create');
    expect(spec.sections.length).toBeGreaterThan(1);
    expect(spec.sections[0]?.fields.map((f) => f.field.name)).toEqual(['title', 'company_id', 'contact_id', 'stage', 'amount', 'probability', 'expected_close', 'lost_reason']);
  });

  it('shows the read-only auto-number in edit mode only', () => {
    const edit = buildFormSpec(deal, 'edit').sections[0]?.fields ?? [];
    expect(edit[0]).toMatchObject({ widget: 'auto-number', readOnly: true, required: false });
    expect(edit[0]?.field.name).toBe('number');
  });

  it('takes widget, width and required from the model', () => {
    const fields = buildFormSpec(deal, 'create').sections[0]?.fields ?? [];
    const byName = new Map(fields.map((f) => [f.field.name, f]));
    expect(byName.get('title')).toMatchObject({ widget: 'text', width: 'full', required: true, readOnly: false });
    expect(byName.get('amount')).toMatchObject({ widget: 'money', required: false });
    expect(byName.get('company_id')).toMatchObject({ widget: 'relation', required: true });
    expect(byName.get('expected_close')?.widget).toBe('date');
  });

  it('orders sections as declared and fields by x-order, dropping empty sections', () => {
    const entity = entityOf({
      'x-sections': [
        { id: 'main', label: { en: 'Main', fa: 'اصلی' } },
        { id: 'empty' },
        { id: 'extra', label: { en: 'Extra' } },
      ],
      properties: {
        a: { type: 'string', 'x-section': 'extra', 'x-width': 'half' },
        b: { type: 'string', 'x-order': 5 },
        c: { type: 'string', 'x-section': 'main', 'x-order': 1, 'x-width': 'third' },
        d: { type: 'string', 'x-section': 'extra', 'x-order': 1 },
      },
    });
    const spec = buildFormSpec(entity, 'create');
    expect(spec.sections.map((s) => s.id)).toEqual(['main', 'extra']);
    expect(spec.sections[0]?.label).toEqual({ en: 'Main', fa: 'اصلی' });
    expect(spec.sections[0]?.fields.map((f) => [f.field.name, f.width])).toEqual([
      ['c', 'third'],
      ['b', 'full'],
    ]);
    expect(spec.sections[1]?.fields.map((f) => [f.field.name, f.width])).toEqual([
      ['d', 'full'],
      ['a', 'half'],
    ]);
  });
});
