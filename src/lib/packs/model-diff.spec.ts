import { describe, expect, it } from 'vitest';
import { modelOf, entity } from '../../../tests/support/packs.ts';
import { diffModels, isEmptyDiff } from './model-diff.ts';

describe('diffModels', () => {
  it('names entities and fields added, changed (with the keywords), renamed and removed', () => {
    const before = modelOf([
      entity('company', { name: { type: 'string', title: 'Name' }, fax: { type: 'string' }, city: { type: 'string' } }),
      entity('legacy', { x: { type: 'string' } }),
    ]);
    const after = modelOf([
      entity('organisation', { name: { type: 'string', title: 'Company name', maxLength: 80 }, town: { type: 'string', 'x-renamed-from': ['city'] }, size: { type: 'integer' } }, { 'x-renamed-from': ['company'], required: ['name'] }),
      entity('ticket', { title: { type: 'string' } }),
    ]);
    const diff = diffModels(before, after);
    expect(diff.entities.map((e) => [e.name, e.change, e.from])).toEqual([
      ['organisation', 'renamed', 'company'],
      ['ticket', 'added', null],
      ['legacy', 'removed', null],
    ]);
    expect(diff.entities[0]?.fields.map((f) => [f.name, f.change, f.from, f.keywords])).toEqual([
      ['name', 'changed', null, ['maxLength', 'required', 'title']],
      ['town', 'renamed', 'city', []],
      ['size', 'added', null, []],
      ['fax', 'removed', null, []],
    ]);
  });

  it('equal models have an empty diff', () => {
    const model = modelOf([entity('company', { name: { type: 'string' } })]);
    expect(isEmptyDiff(diffModels(model, model))).toBe(true);
  });
});
