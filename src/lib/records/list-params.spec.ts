import { describe, expect, it } from 'vitest';
import { filterOf, readListParams, visibleColumns, writeListParams } from './list-params.ts';
import { loadPack } from '../model/load-pack.ts';
import type { EntityModel } from '../model/types.ts';

function entity(): EntityModel {
  const result = loadPack({
    manifest: { path: 'pack.json', text: JSON.stringify({ name: 't', version: '1.0.0', title: 'T' }) },
    entities: [
      {
        path: 'entities/deal.json',
        text: JSON.stringify({
          $id: 'deal',
          type: 'object',
          properties: {
            title: { type: 'string' },
            size: { type: 'integer' },
            stage: { type: 'string', enum: ['a', 'b'] },
            notes: { type: 'string', 'x-type': 'long_text' },
            won: { type: 'boolean' },
          },
        }),
      },
    ],
  });
  if (!result.ok || !result.pack.entities[0]) throw new Error('pack');
  return result.pack.entities[0];
}

describe('list params', () => {
  it('round-trips through the URL', () => {
    const url = '?q=sara&sort=title%3Adesc&ff=stage&fo=eq&fv=a&ff=size&fo=gt&fv=10&match=any&cols=title%2Csize';
    const state = readListParams(new URLSearchParams(url));
    expect(state).toMatchObject({ search: 'sara', match: 'any', columns: ['title', 'size'], sort: [{ field: 'title', direction: 'desc' }] });
    expect(readListParams(new URLSearchParams(writeListParams(state)))).toEqual(state);
  });

  it('types values per field: numbers (Persian digits too), booleans, lists and ranges', () => {
    const e = entity();
    const params = readListParams(new URLSearchParams('ff=size&fo=gte&fv=۱۲&ff=won&fo=eq&fv=true&ff=stage&fo=in&fv=a,b&ff=size&fo=between&fv=1..5&ff=title&fo=is_null&fv=false'));
    expect(filterOf(e, params)).toEqual({
      and: [
        { field: 'size', op: 'gte', value: 12 },
        { field: 'won', op: 'eq', value: true },
        { field: 'stage', op: 'in', value: ['a', 'b'] },
        { field: 'size', op: 'between', value: [1, 5] },
        { field: 'title', op: 'is_null', value: false },
      ],
    });
  });

  it('drops unknown operators and defaults the columns to list fields without long text', () => {
    const e = entity();
    const params = readListParams(new URLSearchParams('ff=title&fo=drop_table&fv=x'));
    expect(params.conditions).toEqual([]);
    expect(visibleColumns(e, params)).toEqual(['title', 'size', 'stage', 'won']);
    expect(visibleColumns(e, { ...params, columns: ['nope', 'stage'] })).toEqual(['stage']);
  });
});
