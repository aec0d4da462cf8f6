/**
 * A workflow's actions, branches included, as a flat program: the engine keeps only a program
 * counter per run, so a run can stop anywhere (a wait, a crash, a retry) and resume at the same step.
 *
 *   [branch b (else → 3), then-step, jump → 4, else-step, next-step]
 */
import type { ActionModel } from './types.ts';

export type Instruction =
  | { readonly kind: 'action'; readonly step: ActionModel }
  /** Evaluates the step's `if`; false jumps to `elseAt`. */
  | { readonly kind: 'branch'; readonly step: ActionModel; readonly elseAt: number }
  | { readonly kind: 'jump'; readonly to: number };

export function compileProgram(actions: readonly ActionModel[]): readonly Instruction[] {
  const out: Instruction[] = [];
  emit(actions, out);
  return out;
}

function emit(actions: readonly ActionModel[], out: Instruction[]): void {
  for (const step of actions) {
    if (step.type !== 'branch') {
      out.push({ kind: 'action', step });
      continue;
    }
    const at = out.length;
    out.push({ kind: 'branch', step, elseAt: -1 });
    emit(step.then, out);
    if (step.else.length === 0) {
      out[at] = { kind: 'branch', step, elseAt: out.length };
      continue;
    }
    const jumpAt = out.length;
    out.push({ kind: 'jump', to: -1 });
    out[at] = { kind: 'branch', step, elseAt: out.length };
    emit(step.else, out);
    out[jumpAt] = { kind: 'jump', to: out.length };
  }
}
