/** The expression tree the compiler builds and the evaluator walks. Only these shapes exist. */
import type { FunctionName } from './functions.ts';
import type { ExprType, ExprValue } from './types.ts';

export type ArithmeticOperator = '+' | '-' | '*' | '/' | '%' | '^';
export type ComparisonOperator = '==' | '!=' | '<' | '<=' | '>' | '>=';
export type BinaryOperator = ArithmeticOperator | ComparisonOperator | '||' | 'in';

export type Node =
  | { readonly kind: 'literal'; readonly value: ExprValue; readonly type: ExprType }
  | { readonly kind: 'variable'; readonly name: string; readonly type: ExprType }
  | { readonly kind: 'member'; readonly object: string; readonly name: string; readonly type: ExprType }
  | { readonly kind: 'unary'; readonly operator: '-' | '+' | 'not'; readonly operand: Node; readonly type: ExprType }
  | { readonly kind: 'binary'; readonly operator: BinaryOperator; readonly left: Node; readonly right: Node; readonly type: ExprType }
  | { readonly kind: 'logical'; readonly operator: 'and' | 'or'; readonly left: Node; readonly right: Node; readonly type: ExprType }
  | { readonly kind: 'conditional'; readonly test: Node; readonly then: Node; readonly otherwise: Node; readonly type: ExprType }
  | { readonly kind: 'call'; readonly name: FunctionName; readonly args: readonly Node[]; readonly type: ExprType }
  | { readonly kind: 'list'; readonly items: readonly Node[]; readonly type: ExprType };
