/**
 * The expression language is data, not JavaScript (SECURITY.md item 4): every way out of it is
 * refused when the expression is compiled, and evaluation never reaches a prototype.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { compileExpression } from './compile-expression.ts';
import { evaluate } from './evaluate.ts';
import { compileError, SCOPE, scopeWith, value, VALUES } from './expression-fixture.ts';
import { EXPRESSION_LIMITS } from './types.ts';

describe('escape attempts are refused at compile time', () => {
  it.each([
    ['constructor', 'unknown field "constructor"'],
    ['__proto__', 'unknown field "__proto__"'],
    ['prototype', 'unknown field "prototype"'],
    ['this', 'unknown field "this"'],
    ['process', 'unknown field "process"'],
    ['globalThis', 'unknown field "globalThis"'],
    ['window', 'unknown field "window"'],
    ['toString', 'unknown field "toString"'],
    ['hasOwnProperty', 'unknown field "hasOwnProperty"'],
  ])('a bare %s', (source, message) => {
    expect(compileError(source)).toBe(message);
  });

  it.each([
    ['eval("1")', 'function "eval" is not allowed'],
    ['Function("return process")()', 'function "Function" is not allowed'],
    ['require("fs")', 'function "require" is not allowed'],
    ['process()', 'function "process" is not allowed'],
    ['constructor()', 'function "constructor" is not allowed'],
    ['toString()', 'function "toString" is not allowed'],
    ['valueOf()', 'function "valueOf" is not allowed'],
    ['setTimeout("1", 0)', 'function "setTimeout" is not allowed'],
    ['fetch("http://x")', 'function "fetch" is not allowed'],
    // expr-eval's own functions and operators are not part of the language.
    ['map(amount, tags)', 'function "map" is not allowed'],
    ['fold(amount, 0, tags)', 'function "fold" is not allowed'],
    ['join(",", tags)', 'function "join" is not allowed'],
    ['random(1)', 'function "random" is not allowed'],
    ['sqrt(4)', 'function "sqrt" is not allowed'],
    ['length("ab")', 'function "length" is not allowed'],
    ['indexOf("a", tags)', 'function "indexOf" is not allowed'],
  ])('calling %s', (source, message) => {
    expect(compileError(source)).toContain(message);
  });

  it.each([
    ['x.constructor', '".constructor" cannot follow "x"'],
    ['amount.constructor', '".constructor" cannot follow "amount"'],
    ['(1).constructor', '".constructor" cannot follow a value'],
    ['"text".length', '".length" cannot follow a value'],
    ['[1].constructor', '".constructor" cannot follow a value'],
    ['old.constructor', '"constructor" is not a field of old'],
    ['old.__proto__', '"__proto__" is not a field of old'],
    ['old.hasOwnProperty', '"hasOwnProperty" is not a field of old'],
    ['user.constructor', '"constructor" is not a field of user'],
    ['old.stage.toString()', '".toString" cannot follow old.stage'],
    ['old.stage.constructor.constructor("return process")()', '".constructor" cannot follow old.stage'],
    ['old.stage()', 'old.stage cannot be called'],
  ])('member access %s', (source, message) => {
    expect(compileError(source)).toContain(message);
  });

  it.each([
    'old["__proto__"]',
    'old["constructor"]',
    'old["stage"]',
    'tags[0]',
    '[1, 2][0]',
    'user["email"]',
  ])('indexing %s', (source) => {
    expect(compileError(source)).toBe('indexing with [ ] is not allowed; read fields by name');
  });

  it.each(['x = 1', 'amount = 1', 'old.stage = "won"', 'amount == 1 or (stage = "x")', '__proto__ = 1'])('assignment %s', (source) => {
    expect(compileError(source)).toBe('assignment (=) is not allowed; to compare, use ==');
  });

  it.each(['f(x) = x', 'eval(x) = 1', 'toString() = 1'])('function definition %s', (source) => {
    expect(compileError(source)).toBe('defining functions is not allowed');
  });

  it.each(['amount; stage', 'amount;', '(amount; 1)', 'if(1; 2, 3, 4)'])('statements %s', (source) => {
    expect(compileError(source)).toContain('";" separates statements, which are not allowed');
  });

  it('refuses the operators expr-eval has and the language does not', () => {
    expect(compileError('amount!')).toContain('"!" is not an operator');
    expect(compileError('!active')).toContain('"!" is not an operator');
    expect(compileError('PI')).toBe('unknown field "PI"');
    expect(compileError('E')).toBe('unknown field "E"');
    expect(compileError('sin(1)')).toContain('function "sin" is not allowed');
    expect(compileError('0xFF + 1')).toContain('hexadecimal and binary numbers are not supported');
  });

  it('an unknown name shows where a look-up could have reached a prototype', () => {
    // A scope written as a plain object still answers only for its own keys.
    const scope = scopeWith({ amount: 'number' });
    expect(compileError('valueOf', scope)).toBe('unknown field "valueOf"');
    expect(compileError('isPrototypeOf', scope)).toBe('unknown field "isPrototypeOf"');
  });
});

describe('caps', () => {
  it('refuses a source over 2000 characters, e.g. 10k characters of input', () => {
    expect(compileError('1'.repeat(10_000))).toBe('the expression is 10000 characters long; at most 2000 are allowed');
    expect(compileError(`"${'a'.repeat(2000)}"`)).toContain('at most 2000 are allowed');
    expect(compileExpression(`"${'a'.repeat(1998)}"`, SCOPE).ok).toBe(true);
  });

  it('refuses 1000-deep parentheses, and nesting past 40 levels within the length limit', () => {
    expect(compileError(`${'('.repeat(1000)}1${')'.repeat(1000)}`)).toContain('at most 2000 are allowed');
    expect(compileError(`${'('.repeat(100)}1${')'.repeat(100)}`)).toBe('the expression is nested more than 40 levels deep');
    expect(compileError(`${'abs('.repeat(41)}1${')'.repeat(41)}`)).toBe('the expression is nested more than 40 levels deep');
    expect(compileExpression(`${'abs('.repeat(39)}1${')'.repeat(39)}`, SCOPE).ok).toBe(true);
  });

  it('counts nesting without parentheses too: unary chains and right-leaning operators', () => {
    expect(compileError(`${'-'.repeat(60)}1`)).toBe('the expression is nested more than 40 levels deep');
    expect(compileError(`1${' ^ 1'.repeat(45)}`)).toBe('the expression is nested more than 40 levels deep');
    expect(compileError(`${'not '.repeat(45)}active`)).toBe('the expression is nested more than 40 levels deep');
    expect(compileError(`${Array.from({ length: 45 }, () => 'active ? 1 :').join(' ')} 0`)).toBe('the expression is nested more than 40 levels deep');
  });

  it('refuses a 600-term sum by its size, while a long flat sum under the cap is fine', () => {
    expect(compileError(Array.from({ length: 600 }, () => '1').join('+'))).toBe('the expression is too long: it has more than 500 parts');
    expect(value(Array.from({ length: 200 }, () => '1').join('+'))).toBe('200');
  });

  it('limits text produced while evaluating to 10,000 characters', () => {
    const scope = scopeWith({ t: 'text' });
    const long = { variables: { t: 'x'.repeat(6000) }, objects: {} };
    const compiled = compileExpression('t || t', scope);
    if (!compiled.ok) throw new Error('did not compile');
    expect(evaluate(compiled.expression, long)).toEqual({ ok: false, error: 'a text is longer than 10000 characters' });
    const concat = compileExpression('concat(t, t)', scope);
    if (!concat.ok) throw new Error('did not compile');
    expect(evaluate(concat.expression, long)).toEqual({ ok: false, error: 'a text is longer than 10000 characters' });
    expect(evaluate(compiled.expression, { variables: { t: 'x'.repeat(5000) }, objects: {} }).ok).toBe(true);
  });

  it('limits lists to 1000 items', () => {
    const scope = scopeWith({ l: 'list' });
    const compiled = compileExpression('len(l)', scope);
    if (!compiled.ok) throw new Error('did not compile');
    expect(evaluate(compiled.expression, { variables: { l: Array.from({ length: 1001 }, () => 'a') }, objects: {} })).toEqual({ ok: false, error: 'l has more than 1000 items' });
    expect(evaluate(compiled.expression, { variables: { l: Array.from({ length: 1000 }, () => 'a') }, objects: {} })).toMatchObject({ ok: true });
  });

  it('limits powers to whole exponents of at most 100, and numbers to 1000 digits', () => {
    expect(compileError('2 ^ 101')).toBe('^ takes a whole exponent from -100 to 100');
    expect(compileError('2 ^ 0.5')).toBe('^ takes a whole exponent from -100 to 100');
    expect(value('2 ^ 100')).toBe('1267650600228229401496703205376');
    expect(value('amount ^ probability', { vars: { variables: { amount: '2', probability: 3 }, objects: {} } })).toBe('8');
    const big = { variables: { amount: '9'.repeat(900), probability: 100 }, objects: {} };
    expect(compileExpression('amount ^ probability', SCOPE).ok).toBe(true);
    const compiled = compileExpression('amount ^ probability', SCOPE);
    if (!compiled.ok) throw new Error('did not compile');
    expect(evaluate(compiled.expression, big)).toEqual({ ok: false, error: '^: the result would have more than 1000 digits' });
    expect(compileError('1e5000')).toBe('the number 1e5000 is too large');
  });

  it('has the documented values', () => {
    expect(EXPRESSION_LIMITS).toMatchObject({ maxSourceLength: 2000, maxNodes: 500, maxDepth: 40, maxTextLength: 10_000, maxListItems: 1000 });
  });
});

describe('evaluation reads own properties only', () => {
  afterEach(() => {
    delete (Object.prototype as Record<string, unknown>).polluted;
  });

  it('a declared name missing from the values is empty, never an inherited property', () => {
    const scope = { variables: { valueOf: 'any', toString: 'any', constructor: 'any' }, objects: { old: { constructor: 'any', __proto__: 'any' } } } as const;
    const compiled = compileExpression('[valueOf, toString, constructor, old.constructor]', scope);
    if (!compiled.ok) throw new Error(compiled.issues[0]?.message);
    expect(evaluate(compiled.expression, { variables: {}, objects: { old: {} } })).toEqual({ ok: true, value: [null, null, null, null] });
  });

  it('a value named __proto__ in the data is read as data and pollutes nothing', () => {
    const record = JSON.parse('{"__proto__": {"polluted": "yes"}, "amount": "1"}') as Record<string, never>;
    const compiled = compileExpression('amount + 1', SCOPE);
    if (!compiled.ok) throw new Error('did not compile');
    expect(evaluate(compiled.expression, { variables: record, objects: {} })).toMatchObject({ ok: true });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a polluted Object.prototype is not visible to expressions', () => {
    (Object.prototype as Record<string, unknown>).polluted = 'yes';
    const scope = { variables: { polluted: 'text' }, objects: { old: { polluted: 'text' } } } as const;
    const compiled = compileExpression('coalesce(polluted, old.polluted, "clean")', scope);
    if (!compiled.ok) throw new Error('did not compile');
    expect(evaluate(compiled.expression, { variables: {}, objects: { old: {} } })).toEqual({ ok: true, value: 'clean' });
  });

  it('only expressions made by compileExpression evaluate (a forged object carries no tree)', () => {
    expect(evaluate({ source: 'constructor', references: [], resultType: 'any' }, VALUES)).toEqual({ ok: false, error: 'not a compiled expression: compile it with compileExpression()' });
  });
});
