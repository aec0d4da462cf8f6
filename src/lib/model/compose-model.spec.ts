import { describe, expect, it } from 'vitest';
import { composeModel, satisfies, modelHash } from './compose-model.ts';
import { loadPack, type PackModel } from './load-pack.ts';
import { emptyModel } from './types.ts';

function pack(name: string, version: string, entities: Record<string, unknown>[], requires?: Record<string, string>, platform?: string): PackModel {
  const needs = { ...(requires ? { packs: requires } : {}), ...(platform ? { platform } : {}) };
  const result = loadPack({
    manifest: { path: 'pack.json', text: JSON.stringify({ name, version, title: name, ...(requires || platform ? { requires: needs } : {}) }) },
    entities: entities.map((e) => ({ path: `entities/${String(e.$id)}.json`, text: JSON.stringify(e) })),
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.pack;
}

const company = { $id: 'company', type: 'object', properties: { name: { type: 'string' } } };
const deal = { $id: 'deal', type: 'object', properties: { company_id: { type: 'string', format: 'uuid', 'x-ref': 'company' } } };

describe('composeModel', () => {
  it('refuses a pack whose required pack is missing, naming it', () => {
    const result = composeModel(emptyModel(), pack('sales-extra', '1.0.0', [deal], { 'b2b-sales': '^1.0.0' }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]?.message).toMatch(/requires pack "b2b-sales"/);
  });

  it('accepts it once the required pack is installed in a matching version, and resolves relations across packs', () => {
    const base = composeModel(emptyModel(), pack('b2b-sales', '1.2.0', [company]));
    expect(base.ok).toBe(true);
    if (!base.ok) return;
    const result = composeModel(base.model, pack('sales-extra', '1.0.0', [deal], { 'b2b-sales': '^1.0.0' }));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.model.entities.map((e) => `${e.pack}:${e.name}`)).toEqual(['b2b-sales:company', 'sales-extra:deal']);
    const tooOld = composeModel(base.model, pack('sales-extra', '1.0.0', [deal], { 'b2b-sales': '>=2.0.0' }));
    expect(tooOld.ok).toBe(false);
  });

  it('refuses an entity another pack owns', () => {
    const base = composeModel(emptyModel(), pack('a', '1.0.0', [company]));
    if (!base.ok) throw new Error('base');
    const result = composeModel(base.model, pack('b', '1.0.0', [company]));
    expect(result.ok).toBe(false);
  });

  it('refuses a pack made for another platform version, saying which', () => {
    const result = composeModel(emptyModel(), pack('future', '1.0.0', [company], undefined, '>=2.0.0'), { platformVersion: '0.1.0' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues).toEqual([{ file: 'pack.json', pointer: '/requires/platform', message: 'this pack requires Peyvand >=2.0.0, but this is Peyvand 0.1.0' }]);
    expect(composeModel(emptyModel(), pack('current', '1.0.0', [company], undefined, '^0.1.0'), { platformVersion: '0.1.4' }).ok).toBe(true);
    // Without an explicit version: this platform's, from package.json.
    expect(composeModel(emptyModel(), pack('current', '1.0.0', [company], undefined, '>=0.0.1')).ok).toBe(true);
  });

  it('refuses to downgrade a pack below what an installed pack requires, naming that pack', () => {
    const base = composeModel(emptyModel(), pack('b2b-sales', '1.2.0', [company]));
    if (!base.ok) throw new Error('base');
    const extra = composeModel(base.model, pack('sales-extra', '1.0.0', [deal], { 'b2b-sales': '^1.2.0' }));
    if (!extra.ok) throw new Error('extra');
    const downgrade = composeModel(extra.model, pack('b2b-sales', '1.1.0', [company]));
    expect(downgrade.ok).toBe(false);
    if (!downgrade.ok) expect(downgrade.issues[0]?.message).toBe('installed pack "sales-extra" requires b2b-sales ^1.2.0; this downgrade to 1.1.0 would break it');
    expect(composeModel(extra.model, pack('b2b-sales', '1.3.0', [company])).ok).toBe(true);
  });

  it('gives equal models equal hashes and different models different ones', () => {
    const a = composeModel(emptyModel(), pack('a', '1.0.0', [company]));
    const b = composeModel(emptyModel(), pack('a', '1.0.0', [company]));
    const c = composeModel(emptyModel(), pack('a', '1.0.1', [company]));
    if (!a.ok || !b.ok || !c.ok) throw new Error('compose');
    expect(a.model.hash).toBe(b.model.hash);
    expect(a.model.hash).not.toBe(c.model.hash);
    expect(modelHash([], [])).toBe('empty');
  });
});

describe('satisfies', () => {
  it.each([
    ['1.2.3', '^1.0.0', true],
    ['2.0.0', '^1.0.0', false],
    ['0.2.5', '^0.2.0', true],
    ['0.3.0', '^0.2.0', false],
    ['1.2.9', '~1.2.0', true],
    ['1.3.0', '~1.2.0', false],
    ['1.0.0', '>=1.0.0 <2.0.0', true],
    ['2.0.0', '>=1.0.0 <2.0.0', false],
    ['3.1.0', '^1.0.0 || ^3.0.0', true],
    ['1.0.0', '*', true],
    ['1.0.0', '1.0.0', true],
    ['1.0.1', '1.0.0', false],
  ])('%s satisfies %s: %s', (version, range, expected) => {
    expect(satisfies(version, range)).toBe(expected);
  });
});
