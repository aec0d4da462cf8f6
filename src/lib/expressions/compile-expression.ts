/**
 * Source text → a checked expression tree, or the problems found. expr-eval-fork parses; its
 * evaluator is never used. Its postfix tokens are turned into our own tree, and only the shapes of
 * `ast.ts` come out: assignment, function definition, statements, indexing, dotting anything but
 * a scope object, unknown names and functions outside the list are refused here, with a message
 * that names the problem.
 *
 *   const scope = { variables: { amount: 'number', stage: 'text' }, objects: { old: { stage: 'text' } } };
 *   compileExpression('stage != old.stage and amount > 1000', scope);
 *   // { ok: true, expression: { source, references: ['stage', 'old.stage', 'amount'], resultType: 'boolean' } }
 *   compileExpression('stagee == "won"', scope);
 *   // { ok: false, issues: [{ message: 'unknown field "stagee" (did you mean "stage"?)' }] }
 */
import { Parser } from 'expr-eval-fork';
import type { BinaryOperator, Node } from './ast.ts';
import { FUNCTION_NAMES, functionSpec, isFunctionName } from './functions.ts';
import { scanSource, type NumberLiteral } from './source-scan.ts';
import { EXPRESSION_LIMITS, type CompiledExpression, type CompileResult, type ExprType, type ScopeSpec } from './types.ts';
import { decimal, isNumber } from './values.ts';

/** A problem in the expression: becomes an issue, never escapes `compileExpression`. */
class CompileError extends Error {}

/** The parser's stand-in for `null` (its tokens turn a null constant into 0). */
const NULL_CONSTANT = Object.freeze({ null: true });

function table<T>(entries: Record<string, T>): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, entries);
}

const unused = () => {
  throw new Error('expr-eval-fork must not evaluate');
};

/**
 * The parser's operator tables decide which names are operators. They are replaced with
 * null-prototype tables holding only what the language has: `abs`, `sqrt`, `length` … become
 * plain names (so `round(x, 2)` parses as a call and unknown ones are refused by name), and no
 * inherited key such as `constructor` can be mistaken for an operator.
 */
function createParser(): Parser {
  const parser = new Parser({ allowMemberAccess: true, operators: table({}) }) as Parser & { binaryOps: unknown; ternaryOps: unknown };
  parser.unaryOps = table({ '-': unused, '+': unused, not: unused });
  parser.binaryOps = table({
    '+': unused, '-': unused, '*': unused, '/': unused, '%': unused, '^': unused, '||': unused,
    '==': unused, '!=': unused, '<': unused, '<=': unused, '>': unused, '>=': unused,
    and: unused, or: unused, in: unused, '=': unused, '[': unused,
  });
  parser.ternaryOps = table({ '?': unused });
  parser.functions = table({});
  parser.consts = table<unknown>({ true: true, false: false, null: NULL_CONSTANT });
  return parser;
}

const parser = createParser();

interface Token {
  readonly type: string;
  readonly value: unknown;
}

function tokensOf(parsed: unknown): readonly Token[] {
  const tokens = (parsed as { tokens?: unknown }).tokens;
  if (!Array.isArray(tokens)) throw new Error('expr-eval-fork: parsed expression has no tokens');
  return tokens as Token[];
}

const OPERATORS: ReadonlySet<string> = new Set<BinaryOperator>(['+', '-', '*', '/', '%', '^', '||', '==', '!=', '<', '<=', '>', '>=', 'in']);

/** Operators whose left-leaning chains (`a + b + c`) do not count as nesting. */
const CHAIN_GROUP: Readonly<Record<string, string>> = table({
  '+': 'add', '-': 'add', '||': 'add', '*': 'mul', '/': 'mul', '%': 'mul',
  '==': 'cmp', '!=': 'cmp', '<': 'cmp', '<=': 'cmp', '>': 'cmp', '>=': 'cmp', and: 'and', or: 'or',
});

type Item = { readonly kind: 'node'; readonly node: Node } | { readonly kind: 'name'; readonly name: string } | { readonly kind: 'branch'; readonly node: Node };

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] ?? 0;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] ?? 0;
}

const NOT_AN_OPERATOR = '"!" is not an operator: write not x, or != to compare';

/** A close name for a typo (one edit for short names, two for longer ones). */
function suggestion(name: string, candidates: readonly string[]): string {
  if (name.length < 3) return '';
  const limit = name.length <= 5 ? 1 : 2;
  const close = candidates.filter((c) => Math.abs(c.length - name.length) <= limit && distance(c, name) <= limit).sort((a, b) => distance(a, name) - distance(b, name))[0];
  return close ? ` (did you mean "${close}"?)` : '';
}

function literalType(node: Node): ExprType {
  return node.type;
}

function sameType(a: ExprType, b: ExprType): ExprType {
  return a === b ? a : 'any';
}

class TreeBuilder {
  private nodes = 0;
  private readonly depths = new WeakMap<Node, number>();
  private numberIndex = 0;
  private readonly scope: ScopeSpec;
  private readonly numbers: readonly NumberLiteral[];

  constructor(scope: ScopeSpec, numbers: readonly NumberLiteral[]) {
    this.scope = scope;
    this.numbers = numbers;
  }

  private make(node: Node, children: readonly Node[], chained?: Node): Node {
    if (++this.nodes > EXPRESSION_LIMITS.maxNodes) {
      throw new CompileError(`the expression is too long: it has more than ${EXPRESSION_LIMITS.maxNodes} parts`);
    }
    let depth = 1;
    for (const child of children) depth = Math.max(depth, (this.depths.get(child) ?? 1) + (child === chained ? 0 : 1));
    if (depth > EXPRESSION_LIMITS.maxDepth) throw new CompileError(`the expression is nested more than ${EXPRESSION_LIMITS.maxDepth} levels deep`);
    this.depths.set(node, depth);
    return node;
  }

  private isObject(name: string): boolean {
    return Object.hasOwn(this.scope.objects, name);
  }

  /** A name used as a value: a field of the record. */
  private variable(name: string): Node {
    if (Object.hasOwn(this.scope.variables, name)) {
      const type = this.scope.variables[name] ?? 'any';
      return this.make({ kind: 'variable', name, type }, []);
    }
    if (this.isObject(name)) throw new CompileError(`"${name}" cannot be used on its own: name one of its fields, e.g. ${name}.${Object.keys(this.scope.objects[name] ?? {})[0] ?? 'field'}`);
    if (isFunctionName(name)) throw new CompileError(`"${name}" is a function: call it as ${name}(…)`);
    throw new CompileError(`unknown field "${name}"${suggestion(name, Object.keys(this.scope.variables))}`);
  }

  private value(item: Item | undefined): Node {
    if (!item) throw new CompileError('the expression is incomplete');
    if (item.kind === 'name') return this.variable(item.name);
    if (item.kind === 'branch') throw new CompileError('the expression has a part this language does not support');
    return item.node;
  }

  private branch(item: Item | undefined): Node {
    if (!item || item.kind !== 'branch') throw new CompileError('the expression has a part this language does not support');
    return item.node;
  }

  private literal(raw: unknown): Node {
    if (raw === NULL_CONSTANT) return this.make({ kind: 'literal', value: null, type: 'any' }, []);
    if (typeof raw === 'boolean') return this.make({ kind: 'literal', value: raw, type: 'boolean' }, []);
    if (typeof raw === 'string') return this.make({ kind: 'literal', value: raw, type: 'text' }, []);
    if (typeof raw === 'number') {
      const literal = this.numbers[this.numberIndex++];
      if (!literal || (literal.isRadix ? parseInt(literal.text.slice(2), literal.text[1] === 'x' ? 16 : 2) : parseFloat(literal.text)) !== raw) {
        throw new CompileError('the numbers in the expression could not be read');
      }
      if (literal.isRadix) throw new CompileError(`${literal.text}: write numbers in decimal (hexadecimal and binary numbers are not supported)`);
      const exponent = /e([+-]?\d+)$/i.exec(literal.text)?.[1];
      if (exponent !== undefined && Math.abs(Number(exponent)) > EXPRESSION_LIMITS.maxDigits) throw new CompileError(`the number ${literal.text} is too large`);
      return this.make({ kind: 'literal', value: decimal(literal.text), type: 'number' }, []);
    }
    throw new CompileError('the expression has a constant this language does not support');
  }

  private member(base: Item | undefined, name: string): Node {
    if (base?.kind === 'name' && this.isObject(base.name)) {
      const fields = this.scope.objects[base.name] ?? {};
      // `'*'`: an open object (an inbound webhook's body): any plain name, read as an own property.
      const open = Object.hasOwn(fields, OPEN_OBJECT) && !FORBIDDEN_MEMBERS.has(name);
      if (!open && !Object.hasOwn(fields, name)) throw new CompileError(`"${name}" is not a field of ${base.name}${suggestion(name, Object.keys(fields))}`);
      return this.make({ kind: 'member', object: base.name, name, type: (Object.hasOwn(fields, name) ? fields[name] : fields[OPEN_OBJECT]) ?? 'any' }, []);
    }
    const objects = Object.keys(this.scope.objects);
    const allowed = objects.length > 0 ? `only ${objects.map((o) => `${o}.<field>`).join(' and ')} can be read with a dot` : 'nothing can be read with a dot here';
    const what = base?.kind === 'name' ? `"${base.name}"` : base?.kind === 'node' && base.node.kind === 'member' ? `${base.node.object}.${base.node.name}` : 'a value';
    throw new CompileError(`".${name}" cannot follow ${what}: ${allowed}`);
  }

  private call(callee: Item | undefined, argItems: readonly Item[]): Node {
    if (callee?.kind !== 'name') {
      const what = callee?.kind === 'node' && callee.node.kind === 'member' ? `${callee.node.object}.${callee.node.name}` : 'this value';
      throw new CompileError(`${what} cannot be called: only the functions ${FUNCTION_NAMES.join(', ')} can`);
    }
    const name = callee.name;
    if (!isFunctionName(name)) {
      if (Object.hasOwn(this.scope.variables, name)) throw new CompileError(`"${name}" is a field, not a function`);
      throw new CompileError(`function "${name}" is not allowed; the functions are ${FUNCTION_NAMES.join(', ')}${suggestion(name, FUNCTION_NAMES)}`);
    }
    const spec = functionSpec(name);
    const args = argItems.map((item) => this.value(item));
    if (args.length < spec.minArgs || args.length > spec.maxArgs) {
      const expected =
        spec.minArgs === spec.maxArgs
          ? `${spec.minArgs} argument${spec.minArgs === 1 ? '' : 's'}`
          : spec.maxArgs - spec.minArgs === 1
            ? `${spec.minArgs} or ${spec.maxArgs} arguments`
            : `at least ${spec.minArgs} argument${spec.minArgs === 1 ? '' : 's'}`;
      throw new CompileError(`function "${name}" takes ${expected}, not ${args.length}`);
    }
    const type = typeof spec.result === 'function' ? spec.result(args.map(literalType)) : spec.result;
    return this.make({ kind: 'call', name, args, type }, args);
  }

  private binary(operator: string, left: Node, right: Node): Node {
    if (!OPERATORS.has(operator)) throw new CompileError(`the operator "${operator}" is not supported`);
    const op = operator as BinaryOperator;
    if (op === '^' && right.kind === 'literal') {
      const n = right.value;
      if (!(isNumber(n) && n.eq(n.round(0)) && n.abs().lte(EXPRESSION_LIMITS.maxPowerExponent))) {
        throw new CompileError(`^ takes a whole exponent from -${EXPRESSION_LIMITS.maxPowerExponent} to ${EXPRESSION_LIMITS.maxPowerExponent}`);
      }
    }
    const type: ExprType = op === '||' ? 'text' : ['==', '!=', '<', '<=', '>', '>=', 'in'].includes(op) ? 'boolean' : 'number';
    const group = CHAIN_GROUP[op];
    const chained = group !== undefined && (left.kind === 'binary' || left.kind === 'logical') && CHAIN_GROUP[left.operator] === group ? left : undefined;
    return this.make({ kind: 'binary', operator: op, left, right, type }, [left, right], chained);
  }

  /** The last `count` items of the stack, in source order. */
  private take(stack: Item[], count: number): Item[] {
    if (!Number.isInteger(count) || count < 0 || count > stack.length) throw new CompileError('the expression is incomplete');
    return stack.splice(stack.length - count, count);
  }

  build(tokens: readonly Token[]): Node {
    const stack: Item[] = [];
    const pop = () => stack.pop();
    for (const token of tokens) {
      switch (token.type) {
        case 'INUMBER':
          stack.push({ kind: 'node', node: this.literal(token.value) });
          break;
        case 'IVAR':
          stack.push({ kind: 'name', name: String(token.value) });
          break;
        case 'IMEMBER':
          stack.push({ kind: 'node', node: this.member(pop(), String(token.value)) });
          break;
        case 'IEXPR': {
          if (!Array.isArray(token.value)) throw new CompileError('the expression has a part this language does not support');
          stack.push({ kind: 'branch', node: this.build(token.value as Token[]) });
          break;
        }
        case 'IOP1': {
          const operand = this.value(pop());
          const operator = token.value;
          if (operator === '!') throw new CompileError(NOT_AN_OPERATOR);
          if (operator !== '-' && operator !== '+' && operator !== 'not') throw new CompileError(`the operator "${String(operator)}" is not supported`);
          stack.push({ kind: 'node', node: this.make({ kind: 'unary', operator, operand, type: operator === 'not' ? 'boolean' : 'number' }, [operand]) });
          break;
        }
        case 'IOP2': {
          const operator = String(token.value);
          if (operator === '[') throw new CompileError('indexing with [ ] is not allowed; read fields by name');
          if (operator === 'and' || operator === 'or') {
            const rightItem = pop();
            const left = this.value(pop());
            const right = this.branch(rightItem);
            const chained = left.kind === 'logical' && left.operator === operator ? left : undefined;
            stack.push({ kind: 'node', node: this.make({ kind: 'logical', operator, left, right, type: 'boolean' }, [left, right], chained) });
            break;
          }
          const rightItem = pop();
          const left = this.value(pop());
          const right = this.value(rightItem);
          stack.push({ kind: 'node', node: this.binary(operator, left, right) });
          break;
        }
        case 'IOP3': {
          if (token.value !== '?') throw new CompileError(`the operator "${String(token.value)}" is not supported`);
          const otherwiseItem = pop();
          const thenItem = pop();
          const test = this.value(pop());
          const then = this.branch(thenItem);
          const otherwise = this.branch(otherwiseItem);
          stack.push({ kind: 'node', node: this.make({ kind: 'conditional', test, then, otherwise, type: sameType(then.type, otherwise.type) }, [test, then, otherwise]) });
          break;
        }
        case 'IFUNCALL': {
          const popped = this.take(stack, Number(token.value));
          const callee = pop();
          // The callee is checked before its arguments: `eval(x)` is about eval, not about x.
          stack.push({ kind: 'node', node: this.call(callee, popped) });
          break;
        }
        case 'IARRAY': {
          const count = Number(token.value);
          if (count > EXPRESSION_LIMITS.maxListItems) throw new CompileError(`a list may have at most ${EXPRESSION_LIMITS.maxListItems} items`);
          const items = this.take(stack, count).map((item) => this.value(item));
          stack.push({ kind: 'node', node: this.make({ kind: 'list', items, type: 'list' }, items) });
          break;
        }
        default:
          throw new CompileError('the expression has a part this language does not support');
      }
    }
    if (stack.length !== 1) throw new CompileError('the expression must be a single value');
    return this.value(stack[0]);
  }
}

/** The names an expression reads, in the order they appear in it. */
function referencesOf(root: Node): string[] {
  const out: string[] = [];
  const visit = (node: Node): void => {
    const name = node.kind === 'variable' ? node.name : node.kind === 'member' ? `${node.object}.${node.name}` : null;
    if (name !== null && !out.includes(name)) out.push(name);
    for (const child of children(node)) visit(child);
  };
  visit(root);
  return out;
}

function children(node: Node): readonly Node[] {
  switch (node.kind) {
    case 'literal':
    case 'variable':
    case 'member':
      return [];
    case 'unary':
      return [node.operand];
    case 'binary':
    case 'logical':
      return [node.left, node.right];
    case 'conditional':
      return [node.test, node.then, node.otherwise];
    case 'call':
      return node.args;
    case 'list':
      return node.items;
  }
}

/** Constructs refused before any tree is built, with the message a person needs. */
function refusedConstruct(tokens: readonly Token[]): string | null {
  let assignment = false;
  const visit = (list: readonly Token[]): string | null => {
    for (const token of list) {
      if (token.type === 'IFUNDEF') return 'defining functions is not allowed';
      if (token.type === 'IVARNAME' || (token.type === 'IOP2' && token.value === '=')) assignment = true;
      if (token.type === 'IENDSTATEMENT') return 'only one expression is allowed: ";" separates statements, which are not allowed';
      if (token.type === 'IEXPR' && Array.isArray(token.value)) {
        const inner = visit(token.value as Token[]);
        if (inner) return inner;
      }
    }
    return null;
  };
  const found = visit(tokens);
  return found ?? (assignment ? 'assignment (=) is not allowed; to compare, use ==' : null);
}

function parseMessage(error: unknown): string {
  if (error instanceof RangeError) return `the expression is nested too deeply`;
  const message = error instanceof Error ? error.message : String(error);
  if (/assignment/.test(message)) return 'assignment (=) is not allowed; to compare, use ==';
  if (/unexpected TOP: !$/.test(message)) return NOT_AN_OPERATOR;
  return `syntax error: ${message.replace(/^parse error /, '')}`;
}

/** The tree behind each compiled expression: a plain object with the same fields gets none. */
export const compiledTrees = new WeakMap<CompiledExpression, Node>();

function compileUncached(source: string, scope: ScopeSpec): CompileResult {
  const fail = (message: string): CompileResult => ({ ok: false, issues: [{ message }] });
  if (typeof source !== 'string') return fail('the expression must be text');
  if (source.length > EXPRESSION_LIMITS.maxSourceLength) return fail(`the expression is ${source.length} characters long; at most ${EXPRESSION_LIMITS.maxSourceLength} are allowed`);
  if (source.trim() === '') return fail('the expression is empty');
  const scan = scanSource(source);
  if (scan.hasSemicolon) return fail('only one expression is allowed: ";" separates statements, which are not allowed');
  if (scan.maxNesting > EXPRESSION_LIMITS.maxDepth) return fail(`the expression is nested more than ${EXPRESSION_LIMITS.maxDepth} levels deep`);
  let tokens: readonly Token[];
  try {
    tokens = tokensOf(parser.parse(source));
  } catch (error) {
    return fail(parseMessage(error));
  }
  const refused = refusedConstruct(tokens);
  if (refused) return fail(refused);
  try {
    const builder = new TreeBuilder(scope, scan.numbers);
    const root = builder.build(tokens);
    const expression: CompiledExpression = Object.freeze({ source, references: Object.freeze(referencesOf(root)), resultType: root.type });
    compiledTrees.set(expression, root);
    return { ok: true, expression };
  } catch (error) {
    if (error instanceof CompileError) return fail(error.message);
    if (error instanceof RangeError) return fail('the expression is nested too deeply');
    throw error;
  }
}

const scopeKeys = new WeakMap<ScopeSpec, string>();

function sortedEntries<T>(record: Readonly<Record<string, T>>): [string, T][] {
  return Object.keys(record)
    .sort()
    .map((k) => [k, record[k] as T]);
}

function scopeKey(scope: ScopeSpec): string {
  let key = scopeKeys.get(scope);
  if (key === undefined) {
    key = JSON.stringify([sortedEntries(scope.variables), sortedEntries(scope.objects).map(([name, fields]) => [name, sortedEntries(fields)])]);
    scopeKeys.set(scope, key);
  }
  return key;
}

const cache = new Map<string, CompileResult>();

/**
 * Parses and checks `source` against `scope`. Results (failures too) are cached by source and
 * scope, least recently used first out.
 */
/** A scope object listing this member takes any member name (see `ScopeSpec`). */
export const OPEN_OBJECT = '*';
const FORBIDDEN_MEMBERS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']);

export function compileExpression(source: string, scope: ScopeSpec): CompileResult {
  const key = typeof source === 'string' && source.length <= EXPRESSION_LIMITS.maxSourceLength ? `${scopeKey(scope)}\u0000${source}` : null;
  if (key !== null) {
    const hit = cache.get(key);
    if (hit) {
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
  }
  const result = compileUncached(source, scope);
  if (key !== null) {
    if (cache.size >= EXPRESSION_LIMITS.cacheSize) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    cache.set(key, result);
  }
  return result;
}

/** For tests: how many compiled expressions the cache holds. */
export function compileCacheSize(): number {
  return cache.size;
}
