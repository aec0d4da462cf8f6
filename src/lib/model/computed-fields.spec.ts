/** Formula fields, roll-up fields and validation rules: what the loader and composing accept and refuse. */
import { describe, expect, it } from 'vitest';
import { buildModel, composeModel } from './compose-model.ts';
import { loadPack, type PackIssue, type PackModel } from './load-pack.ts';
import { emptyModel, findEntity, findField, type JsonObject } from './types.ts';

type Doc = Record<string, unknown> & { $id: string };

const company = (extra: Record<string, unknown> = {}): Doc => ({ $id: 'company', type: 'object', properties: { name: { type: 'string' }, ...extra } });

const deal = (extra: Record<string, unknown> = {}, entityExtra: Record<string, unknown> = {}): Doc => ({
  $id: 'deal',
  type: 'object',
  properties: {
    title: { type: 'string' },
    company_id: { type: 'string', format: 'uuid', 'x-ref': 'company' },
    contact_id: { type: 'string', format: 'uuid', 'x-ref': 'contact' },
    stage: { type: 'string', enum: ['open', 'won', 'lost'] },
    amount: { type: 'object', 'x-type': 'money' },
    probability: { type: 'string', format: 'decimal', 'x-type': 'percent' },
    closes_on: { type: 'string', format: 'date' },
    lost_reason: { type: 'string' },
    ...extra,
  },
  ...entityExtra,
});

const contact: Doc = { $id: 'contact', type: 'object', properties: { name: { type: 'string' } } };

function load(docs: readonly Doc[], manifest: Record<string, unknown> = {}) {
  return loadPack({
    manifest: { path: 'pack.json', text: JSON.stringify({ name: 'p', version: '1.0.0', title: 'P', ...manifest }) },
    entities: docs.map((d) => ({ path: `entities/${d.$id}.json`, text: JSON.stringify(d) })),
  });
}

function issues(docs: readonly Doc[], manifest: Record<string, unknown> = {}): readonly PackIssue[] {
  const result = load(docs, manifest);
  if (result.ok) throw new Error('expected the pack to be refused');
  return result.issues;
}

function pack(docs: readonly Doc[], manifest: Record<string, unknown> = {}): PackModel {
  const result = load(docs, manifest);
  if (!result.ok) throw new Error(result.issues.map((i) => `${i.file}${i.pointer}: ${i.message}`).join('\n'));
  return result.pack;
}

const openDeals = { field: 'stage', op: 'not_in', value: ['won', 'lost'] };
const rollup = (spec: JsonObject, type: JsonObject = { type: 'string', format: 'decimal' }) => ({ ...type, 'x-rollup': spec });

describe('formula fields', () => {
  it('are read-only, computed, and typed by their schema', () => {
    const p = pack([company(), contact, deal({ weighted: { type: 'string', format: 'decimal', 'x-scale': 2, 'x-formula': 'amount * probability / 100' } })]);
    const weighted = findField(p.entities.find((e) => e.name === 'deal') ?? p.entities[0]!, 'weighted');
    expect(weighted).toMatchObject({ type: 'decimal', readOnly: true, computed: { kind: 'formula', expression: 'amount * probability / 100' } });
  });

  it('an ordinary field and entity carry no computed keys (so existing models hash as before)', () => {
    const p = pack([company(), contact, deal()]);
    const d = p.entities.find((e) => e.name === 'deal');
    expect(d && 'rules' in d).toBe(false);
    expect(d?.fields.some((f) => 'computed' in f)).toBe(false);
  });

  it('names an unknown field at the formula, with a suggestion', () => {
    expect(issues([company(), contact, deal({ w: { type: 'string', format: 'decimal', 'x-formula': 'amount * probabilty' } })])).toEqual([
      { file: 'entities/deal.json', pointer: '/properties/w/x-formula', message: 'the formula of "w": unknown field "probabilty" (did you mean "probability"?)' },
    ]);
  });

  it('refuses what the expression language refuses', () => {
    const found = issues([company(), contact, deal({ w: { type: 'string', 'x-formula': 'eval("1")' } })]);
    expect(found[0]).toMatchObject({ pointer: '/properties/w/x-formula' });
    expect(found[0]?.message).toContain('function "eval" is not allowed');
    const member = issues([company(), contact, deal({ w: { type: 'string', 'x-formula': 'title.constructor' } })]);
    expect(member[0]?.message).toContain('".constructor" cannot follow "title"');
  });

  it('refuses formulas that use each other in a circle', () => {
    const found = issues([
      company(),
      contact,
      deal({
        a: { type: 'string', format: 'decimal', 'x-formula': 'b + 1' },
        b: { type: 'string', format: 'decimal', 'x-formula': 'c + 1' },
        c: { type: 'string', format: 'decimal', 'x-formula': 'a + 1' },
        d: { type: 'string', format: 'decimal', 'x-formula': 'd' },
      }),
    ]);
    expect(found).toEqual([{ file: 'entities/deal.json', pointer: '/properties/a/x-formula', message: 'formulas refer to each other in a circle: a → b → c → a' }]);
  });

  it('accepts formulas that use other formulas without a circle', () => {
    const p = pack([company(), contact, deal({ a: { type: 'string', format: 'decimal', 'x-formula': 'b * 2' }, b: { type: 'string', format: 'decimal', 'x-formula': 'probability / 100' } })]);
    expect(p.entities.find((e) => e.name === 'deal')?.fields.filter((f) => f.computed).map((f) => f.name)).toEqual(['a', 'b']);
  });

  it('refuses a result the field cannot hold', () => {
    expect(issues([company(), contact, deal({ w: { type: 'string', format: 'decimal', 'x-formula': 'title || "x"' } })])[0]?.message).toBe(
      'the formula of "w" gives a text, but "w" is a decimal field',
    );
    expect(issues([company(), contact, deal({ w: { type: 'boolean', 'x-formula': 'probability + 1' } })])[0]?.message).toBe('the formula of "w" gives a number, but "w" is a boolean field');
    // Text takes anything but a list; a date takes a datetime.
    expect(load([company(), contact, deal({ w: { type: 'string', 'x-formula': 'probability + 1' }, d: { type: 'string', format: 'date', 'x-formula': 'now()' } })]).ok).toBe(true);
  });

  it('refuses formulas over roll-ups, and computed fields that are money, required, defaulted or unique', () => {
    const withRollup = company({ n: rollup({ entity: 'deal', via: 'company_id', measure: 'count' }, { type: 'integer' }), twice: { type: 'integer', 'x-formula': 'n * 2' } });
    expect(issues([withRollup, contact, deal()])[0]).toMatchObject({ pointer: '/properties/twice/x-formula', message: expect.stringContaining('formulas cannot use roll-ups') });
    expect(issues([company(), contact, deal({ m: { type: 'object', 'x-type': 'money', 'x-formula': 'amount' } })])[0]).toMatchObject({
      pointer: '/properties/m/x-formula',
      message: 'a money field cannot be computed; make "m" a decimal field',
    });
    expect(issues([company(), contact, deal({ w: { type: 'string', 'x-formula': 'title' } }, { required: ['w'] })])[0]?.message).toBe(
      'field "w" is computed, so it cannot be required (a formula or roll-up may give no value)',
    );
    expect(issues([company(), contact, deal({ w: { type: 'string', 'x-formula': 'title', default: 'x' } })])[0]).toMatchObject({ pointer: '/properties/w/default' });
    expect(issues([company(), contact, deal({ w: { type: 'string', 'x-formula': 'title', 'x-unique': true } })])[0]).toMatchObject({ pointer: '/properties/w/x-unique' });
    expect(issues([company(), contact, deal({ w: { type: 'string', 'x-formula': 'title', 'x-rollup': { entity: 'deal', via: 'company_id', measure: 'count' } } })])[0]?.message).toBe(
      'field "w" has both x-formula and x-rollup; a computed field is one or the other',
    );
  });

  it('the meta-schema refuses an empty or overlong formula', () => {
    expect(issues([company(), contact, deal({ w: { type: 'string', 'x-formula': '' } })])[0]?.pointer).toBe('/properties/w/x-formula');
    expect(issues([company(), contact, deal({ w: { type: 'string', 'x-formula': 'a'.repeat(2001) } })])[0]?.pointer).toBe('/properties/w/x-formula');
  });
});

describe('roll-up fields', () => {
  const amountRollup = rollup({ entity: 'deal', via: 'company_id', measure: 'sum', field: 'amount', filter: openDeals });

  it('are read-only and computed, and tell the aggregated entity that they read it', () => {
    const p = pack([company({ open_amount: amountRollup, open_count: rollup({ entity: 'deal', via: 'company_id', measure: 'count', filter: openDeals }, { type: 'integer' }) }), contact, deal()]);
    const model = composeModel(emptyModel(), p);
    if (!model.ok) throw new Error(JSON.stringify(model.issues));
    const c = findEntity(model.model, 'company');
    expect(c && findField(c, 'open_amount')).toMatchObject({ readOnly: true, computed: { kind: 'rollup', entity: 'deal', via: 'company_id', measure: 'sum', field: 'amount', filter: openDeals } });
    expect(findEntity(model.model, 'deal')?.rollupFeeds?.map((f) => `${f.entity}.${f.field}`)).toEqual(['company.open_amount', 'company.open_count']);
    expect(findEntity(model.model, 'company')?.rollupFeeds).toBeUndefined();
  });

  it('derives feeds afresh on every build: a removed roll-up feeds nothing', () => {
    const p = pack([company({ open_amount: amountRollup }), contact, deal()]);
    const first = composeModel(emptyModel(), p);
    if (!first.ok) throw new Error('compose');
    const withoutRollup = buildModel(first.model.packs, first.model.entities.map((e) => (e.name === 'company' ? { ...e, fields: e.fields.filter((f) => !f.computed) } : e)));
    expect(findEntity(withoutRollup, 'deal')?.rollupFeeds).toBeUndefined();
  });

  it('refuses a count with a field, a sum without one, and a sum into a non-number field', () => {
    expect(issues([company({ n: rollup({ entity: 'deal', via: 'company_id', measure: 'count', field: 'amount' }, { type: 'integer' }) }), contact, deal()])[0]).toMatchObject({
      pointer: '/properties/n/x-rollup/field',
    });
    expect(issues([company({ n: rollup({ entity: 'deal', via: 'company_id', measure: 'sum' }) }), contact, deal()])[0]?.message).toBe('a sum roll-up needs the "field" it aggregates');
    expect(issues([company({ n: rollup({ entity: 'deal', via: 'company_id', measure: 'sum', field: 'amount' }, { type: 'string' }) }), contact, deal()])[0]?.message).toBe(
      'a sum roll-up gives a number; make "n" a decimal or integer field',
    );
    expect(issues([company({ n: { ...amountRollup, 'x-scale': 2 } }), contact, deal()])[0]).toMatchObject({ pointer: '/properties/n/x-scale' });
  });

  it('refuses a via that is not a relation to this entity, and a measured field that does not suit', () => {
    expect(issues([company({ n: rollup({ entity: 'deal', via: 'contact_id', measure: 'count' }, { type: 'integer' }) }), contact, deal()])).toEqual([
      { file: 'entities/company.json', pointer: '/properties/n/x-rollup/via', message: 'the roll-up "n": deal.contact_id must be a relation to company (x-ref "company")' },
    ]);
    expect(issues([company({ n: rollup({ entity: 'deal', via: 'nope', measure: 'count' }, { type: 'integer' }) }), contact, deal()])[0]?.message).toBe('the roll-up "n": "nope" is not a field of deal');
    expect(issues([company({ n: rollup({ entity: 'deal', via: 'company_id', measure: 'sum', field: 'title' }) }), contact, deal()])[0]?.message).toBe(
      'the roll-up "n": sum needs a number field, and deal.title is text',
    );
    expect(issues([company({ n: rollup({ entity: 'deal', via: 'company_id', measure: 'max', field: 'closes_on' }) }), contact, deal()])[0]?.message).toBe(
      'the roll-up "n": the max of deal.closes_on (date) does not fit a decimal field',
    );
    expect(load([company({ n: rollup({ entity: 'deal', via: 'company_id', measure: 'max', field: 'closes_on' }, { type: 'string', format: 'date' }) }), contact, deal()]).ok).toBe(true);
  });

  it('refuses an entity this pack does not define (when it requires no other pack)', () => {
    expect(issues([company({ n: rollup({ entity: 'ticket', via: 'company_id', measure: 'count' }, { type: 'integer' }) })])).toEqual([
      { file: 'entities/company.json', pointer: '/properties/n/x-rollup/entity', message: 'the roll-up "n" reads entity "ticket", which does not exist' },
    ]);
  });

  it('checks roll-ups over another pack’s entities, and their filters, when composing', () => {
    const base = composeModel(emptyModel(), pack([company(), contact, deal()], { name: 'sales' }));
    if (!base.ok) throw new Error('base');
    const addOn = pack(
      [{ $id: 'region', type: 'object', properties: { name: { type: 'string' }, deals: rollup({ entity: 'deal', via: 'company_id', measure: 'count' }, { type: 'integer' }) } }],
      { name: 'extra', requires: { packs: { sales: '^1.0.0' } } },
    );
    const composed = composeModel(base.model, addOn);
    expect(composed.ok).toBe(false);
    if (!composed.ok) expect(composed.issues).toEqual([{ file: 'entities/region.json', pointer: '/properties/deals/x-rollup/via', message: 'the roll-up "deals": deal.company_id must be a relation to region (x-ref "region")' }]);

    const badFilter = composeModel(emptyModel(), pack([company({ n: rollup({ entity: 'deal', via: 'company_id', measure: 'count', filter: { field: 'stagee', op: 'eq', value: 'won' } }, { type: 'integer' }) }), contact, deal()]));
    expect(badFilter.ok).toBe(false);
    if (!badFilter.ok) expect(badFilter.issues).toEqual([{ file: 'entities/company.json', pointer: '/properties/n/x-rollup/filter/field', message: 'the roll-up "n": "stagee" is not a field of deal' }]);

    const badValue = composeModel(emptyModel(), pack([company({ n: rollup({ entity: 'deal', via: 'company_id', measure: 'count', filter: { field: 'stage', op: 'contains', value: 'w' } }, { type: 'integer' }) }), contact, deal()]));
    expect(badValue.ok).toBe(false);
    if (!badValue.ok) expect(badValue.issues[0]?.pointer).toBe('/properties/n/x-rollup/filter/op');
  });
});

describe('validation rules', () => {
  const rule = { name: 'lost_reason_required', assert: 'stage != "lost" or not is_empty(lost_reason)', fields: ['lost_reason'], message: { en: 'Say why.', fa: 'دلیل؟' } };

  it('are read into the entity model with their messages', () => {
    const d = pack([company(), contact, deal({}, { 'x-rules': [rule] })]).entities.find((e) => e.name === 'deal');
    expect(d?.rules).toEqual([{ name: 'lost_reason_required', assert: rule.assert, fields: ['lost_reason'], message: { en: 'Say why.', fa: 'دلیل؟' } }]);
  });

  it('may read old.<field>', () => {
    expect(load([company(), contact, deal({}, { 'x-rules': [{ ...rule, assert: 'old.stage != "won" or stage == "won"' }] })]).ok).toBe(true);
  });

  it('refuses an assertion that does not compile, an unknown field, and two rules of one name', () => {
    expect(issues([company(), contact, deal({}, { 'x-rules': [{ ...rule, assert: 'stagee == "lost"' }] })])).toEqual([
      { file: 'entities/deal.json', pointer: '/x-rules/0/assert', message: 'rule "lost_reason_required": unknown field "stagee" (did you mean "stage"?)' },
    ]);
    expect(issues([company(), contact, deal({}, { 'x-rules': [{ ...rule, fields: ['reason'] }] })])).toEqual([
      { file: 'entities/deal.json', pointer: '/x-rules/0/fields/0', message: 'rule "lost_reason_required" names "reason", which is not a field of this entity' },
    ]);
    expect(issues([company(), contact, deal({}, { 'x-rules': [rule, rule] })])).toEqual([{ file: 'entities/deal.json', pointer: '/x-rules/1/name', message: 'two rules are named "lost_reason_required"' }]);
  });

  it('the meta-schema requires a name, an assertion and an English message', () => {
    expect(issues([company(), contact, deal({}, { 'x-rules': [{ ...rule, message: { fa: 'x' } }] })])[0]?.pointer).toBe('/x-rules/0/message');
    expect(issues([company(), contact, deal({}, { 'x-rules': [{ name: 'x', message: { en: 'x' } }] })])[0]?.pointer).toBe('/x-rules/0');
    expect(issues([company(), contact, deal({}, { 'x-rules': [{ ...rule, name: 'Bad Name' }] })])[0]?.pointer).toBe('/x-rules/0/name');
  });
});

describe('the b2b-sales pack', () => {
  it('has the demo formula, roll-ups and rule', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const root = new URL('../../../packs/b2b-sales/', import.meta.url);
    const dir = new URL('entities/', root);
    const result = loadPack({
      manifest: { path: 'pack.json', text: readFileSync(new URL('pack.json', root), 'utf8') },
      entities: readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => ({ path: `entities/${f}`, text: readFileSync(new URL(f, dir), 'utf8') })),
    });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const model = composeModel(emptyModel(), result.pack);
    if (!model.ok) throw new Error(JSON.stringify(model.issues));
    const d = findEntity(model.model, 'deal');
    const c = findEntity(model.model, 'company');
    expect(d && findField(d, 'weighted_amount')?.computed).toEqual({ kind: 'formula', expression: 'amount * probability / 100' });
    expect(d?.rules?.map((r) => r.name)).toEqual(['lost_reason_required']);
    expect(c?.fields.filter((f) => f.computed?.kind === 'rollup').map((f) => f.name)).toEqual(['open_deal_amount', 'open_deal_count']);
    expect(d?.rollupFeeds?.map((f) => f.field)).toEqual(['open_deal_amount', 'open_deal_count']);
  });
});
