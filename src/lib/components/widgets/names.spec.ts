import { describe, expect, it } from 'vitest';
import { FIELD_TYPES } from '../../fields/registry.ts';
import { WIDGET_NAMES } from './names.ts';

describe('WIDGET_NAMES', () => {
  it('has a widget for every field type', () => {
    const used = new Set(Object.values(FIELD_TYPES).map((type) => type.widget));
    expect([...used].filter((name) => !(WIDGET_NAMES as readonly string[]).includes(name))).toEqual([]);
  });
});
