/** Chooses a path: `{ "type": "branch", "if": "amount > 1000", "then": [ … ], "else": [ … ] }`. */
import type { ActionType } from '../action-type.ts';

export const branchAction: ActionType = {
  name: 'branch',
  effect: 'control',
  label: { en: 'Branch on a condition', fa: 'انشعاب بر اساس شرط', ar: 'تفرع حسب شرط' },
  check(settings, ctx) {
    return ctx.checkExpression(String(settings.if)).map((message) => ({ pointer: '/if', message }));
  },
  prepare(settings, ctx) {
    try {
      return { ok: true, request: { if: String(settings.if), took: ctx.evaluate(String(settings.if)) === true ? 'then' : 'else' } };
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
  },
  perform() {
    return Promise.reject(new Error('branch is interpreted by the engine'));
  },
};
