import { describe, expect, it } from 'vitest';
import { packJson, sameJson } from './pack-json.ts';

describe('packJson (the canonical form of exported JSON)', () => {
  it('leads with $schema, $id, name, version, title, description, then sorts; two spaces, final newline', () => {
    const text = packJson({ type: 'object', title: 'Deal', $id: 'deal', $schema: '../x.json', 'x-labels': { fa: 'فرصت', ar: 'صفقة' }, description: 'd' });
    expect(text).toBe(
      ['{', '  "$schema": "../x.json",', '  "$id": "deal",', '  "title": "Deal",', '  "description": "d",', '  "type": "object",', '  "x-labels": {', '    "ar": "صفقة",', '    "fa": "فرصت"', '  }', '}', ''].join('\n'),
    );
  });

  it('keeps the order of the objects it is told to (an entity’s fields), and array order everywhere', () => {
    const doc = { properties: { zeta: { enum: ['b', 'a'] }, alpha: {} } };
    expect(packJson(doc, { keepOrder: ['/properties'] })).toContain('"zeta": {\n      "enum": [\n        "b",\n        "a"\n      ]\n    },\n    "alpha"');
    expect(packJson(doc).indexOf('alpha')).toBeLessThan(packJson(doc).indexOf('zeta'));
  });

  it('is the same text for the same value whatever the key order it came in', () => {
    const a = JSON.parse('{"b":1,"a":{"y":2,"x":[1,{"q":1,"p":2}]}}') as unknown;
    const b = JSON.parse('{"a":{"x":[1,{"p":2,"q":1}],"y":2},"b":1}') as unknown;
    expect(packJson(a)).toBe(packJson(b));
    expect(sameJson(a, b)).toBe(true);
    expect(sameJson(a, { b: 1 })).toBe(false);
  });

  it('writes a "__proto__" key as a key', () => {
    expect(packJson(JSON.parse('{"__proto__":{"x":1}}'))).toBe('{\n  "__proto__": {\n    "x": 1\n  }\n}\n');
  });
});
