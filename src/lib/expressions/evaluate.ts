/**
 * Evaluates a compiled expression over a record's values. Our own evaluator on our own tree:
 * it reads only the values passed in (own properties, never a prototype) and calls only the
 * functions in `functions.ts`. It never throws: a type error, a division by zero or a value over
 * a limit comes back as `{ ok: false, error }`.
 *
 *   const compiled = compileExpression('amount * probability / 100', scope);
 *   if (compiled.ok) evaluate(compiled.expression, { variables: { amount: '1200.50', probability: 40 }, objects: {} });
 *   // { ok: true, value: Big('480.2') }
 */
import type { Node } from './ast.ts';
import { compiledTrees } from './compile-expression.ts';
import { functionSpec, type EvalContext } from './functions.ts';
import type { CompiledExpression, EvaluateOptions, EvaluateResult, ExprValue, ExprVars } from './types.ts';
import {
  asText,
  checked,
  checkList,
  checkText,
  compare,
  divide,
  equals,
  EvaluationError,
  fromJson,
  isList,
  isNumber,
  isTruthy,
  power,
  typeName,
  wholeNumber,
} from './values.ts';
import { EXPRESSION_LIMITS } from './types.ts';

function article(value: ExprValue): string {
  const type = typeName(value);
  return type === 'empty' ? 'an empty value' : type === 'text' ? 'text' : `a ${type}`;
}

function numbers(operator: string, a: ExprValue, b: ExprValue) {
  if (isNumber(a) && isNumber(b)) return [a, b] as const;
  const hint = operator === '+' && (typeof a === 'string' || typeof b === 'string') ? ' (to join text, use || or concat())' : '';
  throw new EvaluationError(`${operator} needs numbers, not ${article(a)} and ${article(b)}${hint}`);
}

class Evaluator {
  private readonly vars: ExprVars;
  private readonly ctx: EvalContext;

  constructor(vars: ExprVars, ctx: EvalContext) {
    this.vars = vars;
    this.ctx = ctx;
  }

  run(node: Node): ExprValue {
    switch (node.kind) {
      case 'literal':
        return node.value;
      case 'variable': {
        const values = this.vars.variables;
        return fromJson(Object.hasOwn(values, node.name) ? values[node.name] : null, node.type, node.name);
      }
      case 'member': {
        const objects = this.vars.objects;
        const object = Object.hasOwn(objects, node.object) ? objects[node.object] : null;
        if (object === null || object === undefined) return null;
        return fromJson(Object.hasOwn(object, node.name) ? object[node.name] : null, node.type, `${node.object}.${node.name}`);
      }
      case 'unary': {
        const value = this.run(node.operand);
        if (node.operator === 'not') return !isTruthy(value);
        if (value === null) return null;
        if (!isNumber(value)) throw new EvaluationError(`${node.operator} needs a number, not ${article(value)}`);
        return node.operator === '-' ? value.neg() : value;
      }
      case 'logical': {
        const left = isTruthy(this.run(node.left));
        if (node.operator === 'and' ? !left : left) return left;
        return isTruthy(this.run(node.right));
      }
      case 'conditional':
        return isTruthy(this.run(node.test)) ? this.run(node.then) : this.run(node.otherwise);
      case 'list':
        return checkList(node.items.map((item) => this.run(item)));
      case 'call': {
        const spec = functionSpec(node.name);
        return spec.call(
          node.args.map((arg) => () => this.run(arg)),
          this.ctx,
        );
      }
      case 'binary':
        return this.binary(node.operator, this.run(node.left), this.run(node.right));
    }
  }

  private binary(operator: Extract<Node, { kind: 'binary' }>['operator'], a: ExprValue, b: ExprValue): ExprValue {
    switch (operator) {
      case '==':
        return equals(a, b);
      case '!=':
        return !equals(a, b);
      case '<':
      case '<=':
      case '>':
      case '>=': {
        // An empty value is neither smaller nor larger than anything.
        if (a === null || b === null) return false;
        const order = compare(a, b, operator);
        return operator === '<' ? order < 0 : operator === '<=' ? order <= 0 : operator === '>' ? order > 0 : order >= 0;
      }
      case 'in':
        if (b === null) return false;
        if (!isList(b)) throw new EvaluationError(`in needs a list on its right, not ${article(b)}`);
        return b.some((item) => equals(a, item));
      case '||':
        return checkText(asText(a, '||') + asText(b, '||'));
      default: {
        if (a === null || b === null) return null;
        const [x, y] = numbers(operator, a, b);
        switch (operator) {
          case '+':
            return checked(x.plus(y));
          case '-':
            return checked(x.minus(y));
          case '*':
            return checked(x.times(y));
          case '/':
            return divide(x, y);
          case '%':
            if (y.eq(0)) throw new EvaluationError('division by zero (in %)');
            return checked(x.mod(y));
          case '^':
            return power(x, wholeNumber(y, '^', EXPRESSION_LIMITS.maxPowerExponent));
        }
      }
    }
  }
}

export function evaluate(expression: CompiledExpression, vars: ExprVars, options: EvaluateOptions = {}): EvaluateResult {
  const root = compiledTrees.get(expression);
  if (!root) return { ok: false, error: 'not a compiled expression: compile it with compileExpression()' };
  const nowMs = (options.now ?? new Date()).getTime();
  if (Number.isNaN(nowMs)) return { ok: false, error: 'the evaluation time is not a valid date' };
  try {
    return { ok: true, value: new Evaluator(vars, { nowMs, timeZone: options.timeZone ?? 'UTC' }).run(root) };
  } catch (error) {
    if (error instanceof EvaluationError) return { ok: false, error: error.message };
    // Anything else is a bug in this module; it still must not break the write that asked.
    return { ok: false, error: `the expression could not be evaluated: ${error instanceof Error ? error.message : String(error)}` };
  }
}
