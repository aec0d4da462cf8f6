/** The planner's `compute-values` steps: existing records get formula and roll-up values. */
import { describe, expect, it } from 'vitest';
import { entity, modelOf, type EntityDoc } from '../../../../tests/support/packs.ts';
import { planMigration, type SchemaStep } from './plan.ts';

const company = (extra: Record<string, unknown> = {}): EntityDoc => entity('company', { name: { type: 'string' }, ...extra });
const deal = (extra: Record<string, unknown> = {}): EntityDoc =>
  entity('deal', {
    title: { type: 'string' },
    company_id: { type: 'string', format: 'uuid', 'x-ref': 'company' },
    stage: { type: 'string', enum: ['open', 'won', 'lost'] },
    amount: { type: 'string', format: 'decimal' },
    ...extra,
  });

const WEIGHTED = { type: 'string', format: 'decimal', 'x-formula': 'amount / 2' };
const OPEN_COUNT = { type: 'integer', 'x-rollup': { entity: 'deal', via: 'company_id', measure: 'count', filter: { field: 'stage', op: 'eq', value: 'open' } } };

function computeSteps(before: readonly EntityDoc[], after: readonly EntityDoc[]): { entity: string; fields: readonly string[]; reason: string }[] {
  return planMigration(modelOf(before), modelOf(after), { trigram: false })
    .filter((s: SchemaStep) => s.action.type === 'compute-values')
    .map((s) => ({ entity: s.entity, fields: s.action.type === 'compute-values' ? s.action.fields : [], reason: s.reason }));
}

describe('planMigration: computed values of existing records', () => {
  it('computes a formula added to an existing entity, after the column is added, counting the records', () => {
    const steps = planMigration(modelOf([company(), deal()]), modelOf([company(), deal({ weighted: WEIGHTED })]), { trigram: false });
    expect(steps.map((s) => `${s.kind}:${s.action.type}`)).toEqual(['field.add:add-columns', 'field.update:compute-values']);
    expect(steps[1]).toMatchObject({
      entity: 'deal',
      field: 'weighted',
      destructive: false,
      check: { table: 'deal', test: { kind: 'rows' } },
      action: { type: 'compute-values', table: 'deal', fields: ['weighted'] },
      reason: 'compute formula field "weighted" for the existing records of "deal"',
    });
  });

  it('computes a roll-up added to an existing parent', () => {
    expect(computeSteps([company(), deal()], [company({ open_count: OPEN_COUNT }), deal()])).toEqual([
      { entity: 'company', fields: ['open_count'], reason: 'compute roll-up field "open_count" for the existing records of "company"' },
    ]);
  });

  it('recomputes when the definition changes, and not when nothing does', () => {
    const before = [company({ open_count: OPEN_COUNT }), deal({ weighted: WEIGHTED })];
    expect(computeSteps(before, before)).toEqual([]);
    expect(computeSteps(before, [company({ open_count: OPEN_COUNT }), deal({ weighted: { ...WEIGHTED, 'x-formula': 'amount / 3' } })]).map((s) => s.entity)).toEqual(['deal', 'company']);
    const wonOnly = { ...OPEN_COUNT, 'x-rollup': { ...OPEN_COUNT['x-rollup'], filter: { field: 'stage', op: 'eq', value: 'won' } } };
    expect(computeSteps(before, [company({ open_count: wonOnly }), deal({ weighted: WEIGHTED })])).toEqual([
      { entity: 'company', fields: ['open_count'], reason: expect.any(String) },
    ]);
  });

  it('recomputes formulas and the roll-ups over an entity whose values another step changes', () => {
    const before = [company({ open_count: OPEN_COUNT }), deal({ weighted: WEIGHTED })];
    const after = [company({ open_count: OPEN_COUNT }), deal({ weighted: WEIGHTED, stage: { type: 'string', enum: ['open', 'won'] } })];
    expect(computeSteps(before, after).map((s) => `${s.entity}:${s.fields.join(',')}`)).toEqual(['deal:weighted', 'company:open_count']);
  });

  it('recomputes every formula of the entity together (they may use each other)', () => {
    const before = [company(), deal({ half: { type: 'string', format: 'decimal', 'x-formula': 'amount / 2' } })];
    const after = [company(), deal({ half: { type: 'string', format: 'decimal', 'x-formula': 'amount / 2' }, quarter: { type: 'string', format: 'decimal', 'x-formula': 'half / 2' } })];
    expect(computeSteps(before, after)).toEqual([{ entity: 'deal', fields: ['half', 'quarter'], reason: expect.any(String) }]);
  });

  it('plans nothing for a new entity: its table is empty', () => {
    expect(computeSteps([], [company({ open_count: OPEN_COUNT }), deal({ weighted: WEIGHTED })])).toEqual([]);
  });
});
