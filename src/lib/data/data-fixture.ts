/** A small model for the data specs: companies, and contacts that belong to them (labels in en/fa/ar). */
import { entity, modelOf } from '../../../tests/support/packs.ts';
import type { EntityModel, Model } from '../model/types.ts';

export function dataFixtureModel(): { model: Model; contact: EntityModel; company: EntityModel } {
  const model = modelOf([
    entity(
      'company',
      {
        name: { type: 'string', minLength: 1, maxLength: 200, title: 'Name', 'x-labels': { fa: 'نام شرکت', ar: 'اسم الشركة' }, 'x-unique': true },
        code: { type: 'integer', title: 'Code' },
        contact_count: { type: 'integer', title: 'Contacts', 'x-rollup': { entity: 'contact', via: 'company_id', measure: 'count' } },
      },
      { 'x-title-field': 'name', required: ['name'] },
    ),
    entity(
      'contact',
      {
        full_name: { type: 'string', minLength: 1, maxLength: 200, title: 'Full name', 'x-labels': { fa: 'نام کامل', ar: 'الاسم الكامل' } },
        email: { type: 'string', format: 'email', title: 'Email', 'x-labels': { fa: 'ایمیل', ar: 'البريد الإلكتروني' }, 'x-unique': true },
        phone: { type: 'string', format: 'phone', title: 'Mobile', 'x-labels': { fa: 'تلفن همراه', ar: 'الجوال' } },
        birthday: { type: 'string', format: 'date', title: 'Birthday', 'x-labels': { fa: 'تاریخ تولد' } },
        met_at: { type: 'string', format: 'date-time', title: 'Met at' },
        stage: {
          type: 'string',
          title: 'Stage',
          'x-labels': { fa: 'مرحله' },
          enum: ['lead', 'customer'],
          default: 'lead',
          'x-options': { lead: { en: 'Lead', fa: 'سرنخ' }, customer: { en: 'Customer', fa: 'مشتری' } },
        },
        budget: { type: 'object', 'x-type': 'money', 'x-currencies': ['IRR', 'USD'], title: 'Budget' },
        visits: { type: 'integer', minimum: 0, title: 'Visits' },
        tags: { type: 'array', items: { type: 'string' }, title: 'Tags' },
        company_id: { type: 'string', format: 'uuid', 'x-ref': 'company', title: 'Company', 'x-labels': { fa: 'شرکت' } },
        number: { type: 'string', 'x-type': 'auto_number', 'x-format': 'C-{0000}', title: 'Number' },
      },
      { 'x-title-field': 'full_name', required: ['full_name', 'email'] },
    ),
  ]);
  const find = (name: string) => model.entities.find((e) => e.name === name) as EntityModel;
  return { model, contact: find('contact'), company: find('company') };
}
