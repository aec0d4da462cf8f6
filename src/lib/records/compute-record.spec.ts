import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import { entityOf } from '../forms/pack-fixture.ts';
import { fieldIssueMessage } from '../forms/issue-messages.ts';
import { findField, type FieldModel } from '../model/types.ts';
import { checkRules, compiledFormulas, computeFormulas, initialRollupValues, toFieldValue } from './compute-record.ts';

const NOW = new Date('2025-03-01T10:00:00Z');

const deal = entityOf({
  properties: {
    title: { type: 'string' },
    stage: { type: 'string', enum: ['open', 'won', 'lost'] },
    amount: { type: 'object', 'x-type': 'money' },
    probability: { type: 'string', format: 'decimal', 'x-type': 'percent' },
    lost_reason: { type: 'string' },
    // Declared before the formula it uses: evaluation follows dependencies, not declaration order.
    doubled: { type: 'string', format: 'decimal', 'x-formula': 'weighted * 2' },
    weighted: { type: 'string', format: 'decimal', 'x-scale': 2, 'x-formula': 'amount * probability / 100' },
    label: { type: 'string', maxLength: 20, 'x-formula': 'upper(title) || " #" || version' },
    seats: { type: 'integer', 'x-formula': 'probability / 3' },
    risky: { type: 'boolean', 'x-formula': 'probability < 50' },
    follow_up: { type: 'string', format: 'date', 'x-formula': 'add_days(today(), 7)' },
  },
  'x-rules': [
    {
      name: 'lost_reason_required',
      assert: 'stage != "lost" or not is_empty(lost_reason)',
      fields: ['lost_reason', 'stage'],
      message: { en: 'Say why the deal was lost.', fa: 'دلیل از دست رفتن را بنویسید.' },
    },
    { name: 'no_reopening', assert: 'old.stage != "won" or stage == "won"', message: { en: 'A won deal stays won.' } },
  ],
});

const system = { id: '0190a0a0-0000-7000-8000-000000000001', owner: null, created_by: null, created_at: NOW.toISOString(), updated_at: NOW.toISOString(), version: 1 };

function field(name: string): FieldModel {
  const f = findField(deal, name);
  if (!f) throw new Error(name);
  return f;
}

describe('computeFormulas', () => {
  it('computes every formula, dependencies first, converted to the field type', () => {
    const result = computeFormulas(deal, { ...system, title: 'Pilot', amount: { amount: '1234.567', currency: 'USD' }, probability: '40' }, { now: NOW });
    expect(result).toEqual({
      ok: true,
      values: { weighted: '493.83', doubled: '987.66', label: 'PILOT #1', seats: 13, risky: true, follow_up: '2025-03-08' },
    });
    expect(compiledFormulas(deal).map((f) => f.field.name)).toEqual(['weighted', 'doubled', 'label', 'seats', 'risky', 'follow_up']);
  });

  it('gives empty values where the inputs are empty', () => {
    const result = computeFormulas(deal, { ...system, title: 'Pilot' }, { now: NOW });
    expect(result.ok && result.values).toMatchObject({ weighted: null, doubled: null, seats: null, risky: false });
  });

  it('refuses with an issue at the formula field when it cannot be computed', () => {
    const result = computeFormulas(deal, { ...system, title: 'x'.repeat(30), probability: '10' }, { now: NOW });
    expect(result).toEqual({
      ok: false,
      issues: [{ path: '/label', field: 'label', message: 'the formula of label cannot be computed: it gives the text "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXX #1", which is longer than 20 characters' }],
    });
  });

  it('uses the time zone for today()', () => {
    const lateEvening = new Date('2025-03-01T21:00:00Z');
    expect(computeFormulas(deal, { ...system, title: 't' }, { now: lateEvening })).toMatchObject({ values: { follow_up: '2025-03-08' } });
    expect(computeFormulas(deal, { ...system, title: 't' }, { now: lateEvening, timeZone: 'Asia/Tehran' })).toMatchObject({ values: { follow_up: '2025-03-09' } });
  });
});

describe('toFieldValue', () => {
  it('rounds numbers half away from zero to the field scale, whole numbers for integers, 10 places otherwise', () => {
    expect(toFieldValue(field('weighted'), new Big('2.345'))).toEqual({ ok: true, value: '2.35' });
    expect(toFieldValue(field('weighted'), new Big('-2.345'))).toEqual({ ok: true, value: '-2.35' });
    expect(toFieldValue(field('seats'), new Big('2.5'))).toEqual({ ok: true, value: 3 });
    expect(toFieldValue(field('doubled'), new Big('0.33333333333333333333'))).toEqual({ ok: true, value: '0.3333333333' });
    expect(toFieldValue(field('seats'), new Big('1e30'))).toEqual({ ok: false, message: 'it gives 1000000000000000000000000000000, too large for a whole-number field' });
  });

  it('refuses values of another kind', () => {
    expect(toFieldValue(field('weighted'), 'x')).toEqual({ ok: false, message: 'it gives the text "x", not a number' });
    expect(toFieldValue(field('risky'), new Big(1))).toEqual({ ok: false, message: 'it gives the number 1, not true or false' });
    expect(toFieldValue(field('follow_up'), '2025-02-30')).toMatchObject({ ok: false });
    expect(toFieldValue(field('label'), ['a'])).toEqual({ ok: false, message: 'it gives a list, not text' });
  });

  it('writes numbers and booleans as text, and a datetime as its UTC date', () => {
    expect(toFieldValue(field('label'), new Big('1.50'))).toEqual({ ok: true, value: '1.5' });
    expect(toFieldValue(field('label'), true)).toEqual({ ok: true, value: 'true' });
    expect(toFieldValue(field('follow_up'), '2025-03-01T23:30:00.000Z')).toEqual({ ok: true, value: '2025-03-01' });
    expect(toFieldValue(field('follow_up'), null)).toEqual({ ok: true, value: null });
  });
});

describe('checkRules', () => {
  const base = { ...system, title: 't' };

  it('passes a record that keeps the rules', () => {
    expect(checkRules(deal, { ...base, stage: 'lost', lost_reason: 'Price' }, { now: NOW, old: null })).toEqual([]);
    expect(checkRules(deal, { ...base, stage: 'open' }, { now: NOW, old: null })).toEqual([]);
  });

  it('reports a broken rule at its first field, with the message in every locale', () => {
    expect(checkRules(deal, { ...base, stage: 'lost', lost_reason: '' }, { now: NOW, old: null })).toEqual([
      { path: '/lost_reason', field: 'lost_reason', message: 'Say why the deal was lost.', messages: { en: 'Say why the deal was lost.', fa: 'دلیل از دست رفتن را بنویسید.' } },
    ]);
  });

  it('reads the record before an update as old, and reports a rule without fields at the record', () => {
    expect(checkRules(deal, { ...base, stage: 'open' }, { now: NOW, old: { ...base, stage: 'won' } })).toEqual([
      { path: '', field: null, message: 'A won deal stays won.', messages: { en: 'A won deal stays won.' } },
    ]);
    expect(checkRules(deal, { ...base, stage: 'won' }, { now: NOW, old: { ...base, stage: 'won' } })).toEqual([]);
  });

  it('refuses the write when a rule cannot be evaluated', () => {
    const numbers = entityOf({ properties: { a: { type: 'integer' }, b: { type: 'integer' } }, 'x-rules': [{ name: 'ratio', assert: 'a / b > 1', message: { en: 'Too small.' } }] });
    expect(checkRules(numbers, { a: 1, b: 0 }, { now: NOW, old: null })).toEqual([{ path: '', field: null, message: 'rule ratio cannot be checked: division by zero' }]);
  });

  it('a form shows the message in the user’s language, English where the rule has no translation', () => {
    const [issue] = checkRules(deal, { ...base, stage: 'lost' }, { now: NOW, old: null });
    if (!issue) throw new Error('expected an issue');
    expect(fieldIssueMessage('fa', issue)).toBe('دلیل از دست رفتن را بنویسید.');
    expect(fieldIssueMessage('ar', issue)).toBe('Say why the deal was lost.');
    expect(fieldIssueMessage('en', { path: '/x', field: 'x', message: 'plain' })).toBe('plain');
  });
});

describe('initialRollupValues', () => {
  it('starts counts and sums at 0 and the rest empty', () => {
    // A roll-up over the entity's own records (children pointing at their parent).
    const company = entityOf({
      properties: {
        name: { type: 'string' },
        thing_id: { type: 'string', format: 'uuid', 'x-ref': 'thing' },
        x: { type: 'string', format: 'decimal' },
        d: { type: 'string', format: 'date' },
        n: { type: 'integer', 'x-rollup': { entity: 'thing', via: 'thing_id', measure: 'count' } },
        total: { type: 'string', format: 'decimal', 'x-rollup': { entity: 'thing', via: 'thing_id', measure: 'sum', field: 'x' } },
        latest: { type: 'string', format: 'date', 'x-rollup': { entity: 'thing', via: 'thing_id', measure: 'max', field: 'd' } },
      },
    });
    expect(initialRollupValues(company)).toEqual({ n: 0, total: '0', latest: null });
  });
});
