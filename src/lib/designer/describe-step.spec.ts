import { describe, expect, it } from 'vitest';
import { entity, modelOf, type EntityDoc } from '../../../tests/support/packs.ts';
import { buildModel } from '../model/compose-model.ts';
import { planMigration, type SchemaStep, type StepKind } from '../server/schema/plan.ts';
import { LOCALES } from '../i18n/index.ts';
import { describeImpossible, describeStep, formatCount, isolate } from './describe-step.ts';

const TEXT = { type: 'string' };
const select = (...values: string[]) => ({ type: 'string', enum: values });

function plan(before: readonly EntityDoc[], after: readonly EntityDoc[], trigram = true): SchemaStep[] {
  return planMigration(before.length === 0 ? buildModel([], []) : modelOf(before), modelOf(after), { trigram });
}

/** Plans that between them make a step of every kind the planner has. */
function everyKindOfStep(): SchemaStep[] {
  const company = entity('company', { name: TEXT });
  const before = [
    company,
    entity(
      'contact',
      {
        name: TEXT,
        nickname: TEXT,
        age: TEXT,
        stage: select('lead', 'customer'),
        note: { ...TEXT, 'x-index': true },
        number: { type: 'string', 'x-type': 'auto_number', 'x-format': 'C-{0000}' },
        email: TEXT,
        company_id: { type: 'string', format: 'uuid', 'x-ref': 'company' },
        owner_id: { type: 'string', format: 'uuid', 'x-ref': 'company' },
        gone: TEXT,
      },
      { required: ['name'] },
    ),
    entity('old_name', { title: TEXT }),
  ];
  const after = [
    company,
    entity(
      'person',
      {
        name: { ...TEXT, title: 'Full name' },
        alias: { ...TEXT, 'x-renamed-from': ['nickname'] },
        age: { type: 'integer' },
        stage: select('lead', 'partner'),
        note: TEXT,
        number: { type: 'string', 'x-type': 'auto_number', 'x-format': 'P-{000000}' },
        email: { ...TEXT, 'x-unique': true },
        company_id: { type: 'string', format: 'uuid', 'x-ref': 'company', 'x-on-delete': 'cascade' },
        owner_id: { type: 'string', format: 'uuid', 'x-ref': 'company' },
        phone: TEXT,
      },
      { required: ['email'], 'x-renamed-from': ['contact'], title: 'Person' },
    ),
    entity('fresh', { title: TEXT }),
  ];
  return [...plan([], before), ...plan(before, after), ...plan(after, [company, entity('person', { name: { type: 'string', 'x-type': 'auto_number', 'x-format': 'X-{0}' } })])];
}

describe('describeStep', () => {
  const steps = everyKindOfStep();

  it('covers every kind of step the planner makes here', () => {
    const kinds = new Set<StepKind>(steps.map((s) => s.kind));
    expect([...kinds].sort()).toEqual(
      [
        'entity.create',
        'entity.rename',
        'entity.drop',
        'entity.update',
        'field.add',
        'field.rename',
        'field.retype',
        'field.drop',
        'field.require',
        'field.unrequire',
        'field.options',
        'field.update',
        'field.autonumber',
        'index.add',
        'index.drop',
        'index.rename',
        'relation.add',
        'relation.drop',
        'relation.rename',
        'search.refresh',
      ].sort(),
    );
  });

  it.each(['fa', 'ar'] as const)('says every step in %s, in its own script, never with the English reason', (locale) => {
    for (const step of steps) {
      const text = describeStep(step, locale);
      expect(text, step.kind).not.toContain(step.reason);
      expect(text, step.kind).not.toMatch(/designer\./);
      expect(text, step.kind).toMatch(/[\u0600-\u06FF]/);
      expect(text, step.kind).not.toMatch(/\b(add|remove|rename|field|entity|index)\b/i);
      if (step.field && !['field.rename', 'index.add'].includes(step.kind)) expect(text, step.kind).toContain(isolate(step.field));
    }
  });

  it('names what a step touches, isolated for right-to-left text', () => {
    const rename = steps.find((s) => s.kind === 'field.rename' && s.action.type === 'rename-columns' && s.action.pairs.length > 0);
    expect(rename && describeStep(rename, 'en')).toBe(`Rename the field ${isolate('nickname')} to ${isolate('alias')}; its values are kept`);
    const options = steps.find((s) => s.kind === 'field.options' && s.action.type === 'clear-values');
    expect(options && describeStep(options, 'fa')).toContain(isolate('customer'));
    const entityRename = steps.find((s) => s.kind === 'entity.rename');
    expect(entityRename && describeStep(entityRename, 'ar')).toBe(`إعادة تسمية الكيان ${isolate('contact')} إلى ${isolate('person')}؛ تُحفظ سجلاته`);
  });

  it('explains impossible steps in the user language', () => {
    const add = steps.find((s) => s.kind === 'field.add');
    if (!add) throw new Error('no field.add');
    expect(describeImpossible(add, 'fa')).toContain('مقدار پیش‌فرض');
    expect(describeImpossible({ ...add, kind: 'entity.drop' }, 'en')).toBe('This change is not possible with the records that exist.');
  });

  it('writes counts in the user digits', () => {
    expect(LOCALES.map((l) => formatCount(1234, l))).toEqual(['1,234', '۱٬۲۳۴', '١٬٢٣٤']);
  });
});
