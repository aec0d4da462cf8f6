import { describe, expect, it } from 'vitest';
import { FIELD_TYPES } from '../fields/registry.ts';
import { FIELD_TYPE_NAMES } from '../fields/names.ts';
import { entityOf } from '../forms/pack-fixture.ts';
import { compileExpression } from './compile-expression.ts';
import { evaluate } from './evaluate.ts';
import { scopeForEntity, varsForRecord } from './scope-for-entity.ts';
import { toJson } from './values.ts';

const deal = entityOf({
  properties: {
    title: { type: 'string' },
    notes: { type: 'string', 'x-type': 'long_text' },
    email: { type: 'string', format: 'email' },
    amount: { type: 'object', 'x-type': 'money' },
    probability: { type: 'string', format: 'decimal', 'x-type': 'percent' },
    rate: { type: 'string', format: 'decimal' },
    seats: { type: 'integer' },
    won: { type: 'boolean' },
    closes_on: { type: 'string', format: 'date' },
    met_at: { type: 'string', format: 'date-time' },
    stage: { type: 'string', enum: ['open', 'won', 'lost'] },
    regions: { type: 'array', items: { type: 'string', enum: ['north', 'south'] } },
    labels: { type: 'array', items: { type: 'string' } },
  },
});

describe('field types in expressions', () => {
  it('every field type says how expressions see it', () => {
    const types = Object.fromEntries(FIELD_TYPE_NAMES.map((name) => [name, FIELD_TYPES[name].expressionType]));
    expect(types).toEqual({
      text: 'text',
      long_text: 'text',
      email: 'text',
      phone: 'text',
      url: 'text',
      integer: 'number',
      decimal: 'number',
      money: 'number',
      percent: 'number',
      boolean: 'boolean',
      date: 'date',
      datetime: 'datetime',
      single_select: 'text',
      multi_select: 'list',
      relation: 'text',
      tags: 'list',
      auto_number: 'text',
      consent: 'boolean',
    });
  });
});

describe('scopeForEntity', () => {
  it('types each field by its field type and adds the system fields', () => {
    const scope = scopeForEntity(deal);
    expect({ ...scope.variables }).toEqual({
      id: 'text',
      owner: 'text',
      created_by: 'text',
      created_at: 'datetime',
      updated_at: 'datetime',
      version: 'number',
      title: 'text',
      notes: 'text',
      email: 'text',
      amount: 'number',
      probability: 'number',
      rate: 'number',
      seats: 'number',
      won: 'boolean',
      closes_on: 'date',
      met_at: 'datetime',
      stage: 'text',
      regions: 'list',
      labels: 'list',
    });
    expect(Object.keys(scope.objects)).toEqual([]);
  });

  it('adds old, user and extra objects when asked', () => {
    const scope = scopeForEntity(deal, { withOld: true, withUser: true, extraObjects: { company: { name: 'text' } } });
    expect(Object.keys(scope.objects)).toEqual(['old', 'user', 'company']);
    expect(scope.objects.old?.stage).toBe('text');
    expect({ ...scope.objects.user }).toEqual({ id: 'text', name: 'text', email: 'text' });
    expect(compileExpression('stage != old.stage and user.email != "" and company.name != ""', scope).ok).toBe(true);
    expect(compileExpression('old.stage', scopeForEntity(deal)).ok).toBe(false);
  });

  it('returns the same scope object for the same entity and options', () => {
    expect(scopeForEntity(deal, { withOld: true })).toBe(scopeForEntity(deal, { withOld: true }));
    expect(scopeForEntity(deal)).not.toBe(scopeForEntity(deal, { withOld: true }));
  });
});

describe('varsForRecord', () => {
  const record = {
    id: '0190a0a0-0000-7000-8000-000000000001',
    version: 3,
    created_at: '2024-01-01T00:00:00.000Z',
    title: 'Big deal',
    amount: { amount: '1200.50', currency: 'USD' },
    probability: '40',
    seats: 12,
    closes_on: '2024-02-29',
    regions: ['north'],
    stage: 'open',
    unknown_key: 'ignored',
  };

  it('gives each field its value as expressions read it: money as its amount, decimals exact', () => {
    const scope = scopeForEntity(deal, { withOld: true, withUser: true });
    const compiled = compileExpression('[amount * probability / 100, seats + version, closes_on, regions, old.stage, user.name, rate]', scope);
    if (!compiled.ok) throw new Error(compiled.issues[0]?.message);
    const vars = varsForRecord(deal, record, { old: { ...record, stage: 'lead' }, user: { id: 'u', name: 'Sara', email: 's@x.ir' } });
    const result = evaluate(compiled.expression, vars);
    expect(result.ok && toJson(result.value)).toEqual(['480.2', '15', '2024-02-29', ['north'], 'lead', 'Sara', null]);
  });

  it('reads only the entity fields and the system fields', () => {
    const vars = varsForRecord(deal, record);
    expect(Object.hasOwn(vars.variables, 'unknown_key')).toBe(false);
    expect(vars.variables.rate).toBeNull();
    expect(Object.getPrototypeOf(vars.variables)).toBeNull();
  });

  it('passes a missing old record as null', () => {
    const vars = varsForRecord(deal, record, { old: null, objects: { company: { name: 'Acme' } } });
    expect(vars.objects.old).toBeNull();
    expect(vars.objects.company).toEqual({ name: 'Acme' });
  });
});
