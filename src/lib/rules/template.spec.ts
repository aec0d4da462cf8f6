import { describe, expect, it } from 'vitest';
import { checkTemplate, MAX_TEMPLATE_LENGTH, renderTemplate, templateNamesFrom, unescapedFieldProblems } from './template.ts';

const names = templateNamesFrom(['record.full_name', 'record.email', 'record.tags', 'old.stage', 'user.email', 'workflow.name', 'event.*', 'now']);

const view = {
  record: { full_name: '<b>Ana & "Bo"</b>', email: 'ana@example.com', tags: ['vip', 'new'], score: 7, active: true },
  old: { stage: 'lead' },
  event: { topic: 'record.updated', changes: { stage: { from: 'lead', to: 'won' } } },
  now: '2026-03-01T09:00:00Z',
};

describe('renderTemplate', () => {
  it('leaves merge fields as they are in text mode', () => {
    expect(renderTemplate('Hi {{record.full_name}}', view, 'text')).toBe('Hi <b>Ana & "Bo"</b>');
  });

  it('escapes every merge field in html mode, triple and ampersand forms included', () => {
    const escaped = '&lt;b&gt;Ana &amp; &quot;Bo&quot;&lt;&#x2F;b&gt;';
    expect(renderTemplate('<p>{{record.full_name}}</p>', view, 'html')).toBe(`<p>${escaped}</p>`);
    expect(renderTemplate('{{{record.full_name}}}|{{& record.full_name}}', view, 'html')).toBe(`${escaped}|${escaped}`);
    expect(renderTemplate('{{#record}}{{{full_name}}}{{/record}}', view, 'html')).toBe(escaped);
  });

  it('escapes merge fields as JSON string content and URL components', () => {
    const text = 'a "quote", a \\ and\na line';
    const json = renderTemplate('{"text":"{{text}}","raw":"{{{text}}}"}', { text }, 'json-string');
    expect(JSON.parse(json)).toEqual({ text, raw: text });
    expect(renderTemplate('to={{to}}&text={{text}}', { to: '+98 912', text: 'a&b=c' }, 'url')).toBe('to=%2B98%20912&text=a%26b%3Dc');
  });

  it('renders nothing for names that would reach Object.prototype', () => {
    const template = '[{{constructor}}][{{record.__proto__}}][{{record.constructor.name}}][{{record.toString}}][{{__proto__.polluted}}]';
    expect(renderTemplate(template, view, 'text')).toBe('[][][][][]');
    expect(renderTemplate('[{{record.tags.constructor}}][{{record.tags.pop}}][{{record.tags.map}}]', view, 'text')).toBe('[][][]');
    expect(renderTemplate('{{#record.tags}}{{.}};{{/record.tags}}', view, 'text')).toBe('vip;new;');
  });

  it('is not broken by names of Object.prototype methods', () => {
    for (const name of ['hasOwnProperty', 'toString', 'valueOf', 'isPrototypeOf', '__defineGetter__']) {
      expect(renderTemplate(`[{{${name}}}][{{now}}][{{#record}}{{${name}}}{{email}}{{/record}}]`, view, 'text'), name).toBe('[][2026-03-01T09:00:00Z][ana@example.com]');
    }
    expect(renderTemplate('{{hasOwnProperty}}', { hasOwnProperty: 'own' }, 'text')).toBe('own');
  });

  it('does not change the view it is given', () => {
    const mine = { record: { tags: ['a', 'b'] } };
    renderTemplate('{{record.tags.pop}}{{record.tags.reverse}}', mine, 'text');
    expect(mine).toEqual({ record: { tags: ['a', 'b'] } });
  });

  it('renders partials as nothing', () => {
    expect(renderTemplate('a{{> secret}}b', view, 'text')).toBe('ab');
  });

  it('renders numbers, booleans and objects (as JSON)', () => {
    expect(renderTemplate('{{record.score}} {{record.active}} {{old}}', view, 'text')).toBe('7 true {"stage":"lead"}');
    expect(renderTemplate('{{old}}', view, 'html')).toBe('{&quot;stage&quot;:&quot;lead&quot;}');
  });

  it('supports sections and inverted sections', () => {
    expect(renderTemplate('{{#event.changes.stage}}{{from}}→{{to}}{{/event.changes.stage}}{{^missing}}!{{/missing}}', view, 'text')).toBe('lead→won!');
  });

  it('throws on a template that does not parse', () => {
    expect(() => renderTemplate('{{#record}}', view, 'text')).toThrow(/Unclosed section/);
  });
});

describe('checkTemplate', () => {
  it('accepts known fields, event keys at any depth, parents as sections, and comments', () => {
    const template = '{{! hi }}{{record.full_name}} {{now}} {{event.changes.stage.to}} {{#record}}{{email}}{{/record}} {{#record.tags}}{{.}}{{/record.tags}}';
    expect(checkTemplate(template, names)).toEqual([]);
  });

  it('reports unknown fields once each', () => {
    expect(checkTemplate('{{record.password}} {{constructor}} {{record.__proto__}} {{record.password}} {{}}', names)).toEqual([
      'unknown merge field {{record.password}}',
      'unknown merge field {{constructor}}',
      'unknown merge field {{record.__proto__}}',
      'empty merge field {{}}',
    ]);
  });

  it('resolves names inside sections the way rendering does', () => {
    expect(checkTemplate('{{#old}}{{stage}}{{now}}{{full_name}}{{/old}}', names)).toEqual(['unknown merge field {{full_name}}']);
  });

  it('reports parse errors', () => {
    expect(checkTemplate('{{#record}}x', names)[0]).toMatch(/cannot be read: Unclosed section "record"/);
    expect(checkTemplate('{{#a}}{{/b}}', names)[0]).toMatch(/cannot be read/);
    expect(checkTemplate('{{now', names)[0]).toMatch(/Unclosed tag/);
  });

  it('refuses partials', () => {
    expect(checkTemplate('{{> footer}}', names)).toEqual(['partials are not supported: {{> footer}}']);
  });

  it('refuses unescaped fields in html mode only', () => {
    expect(checkTemplate('{{{now}}} {{& now}}', names, 'text')).toEqual([]);
    expect(checkTemplate('{{{now}}}', names, 'html')).toEqual(['{{{now}}} and {{& now}} would skip escaping; use {{now}}']);
  });

  it('lists only the unescaped fields of an html template', () => {
    expect(unescapedFieldProblems('{{#record}}{{{full_name}}}{{/record}} {{now}} {{& now}}')).toEqual([
      '{{{full_name}}} and {{& full_name}} would skip escaping; use {{full_name}}',
      '{{{now}}} and {{& now}} would skip escaping; use {{now}}',
    ]);
    expect(unescapedFieldProblems('{{#broken}}')).toEqual([]);
  });

  it('builds the names from names and prefixes too', () => {
    const built = templateNamesFrom({ names: ['now'], prefixes: ['event.'] });
    expect(checkTemplate('{{now}} {{event.a.b}} {{#event}}{{x}}{{/event}}', built)).toEqual([]);
    expect(checkTemplate('{{eventx}}', built)).toEqual(['unknown merge field {{eventx}}']);
  });

  it('caps the size', () => {
    expect(checkTemplate('x'.repeat(MAX_TEMPLATE_LENGTH), names)).toEqual([]);
    expect(checkTemplate('x'.repeat(MAX_TEMPLATE_LENGTH + 1), names)).toEqual([`the template is longer than ${MAX_TEMPLATE_LENGTH} characters`]);
  });
});
