/** Pauses the run: `{ "type": "wait", "days": 3 }`; the engine resumes it at the next step later. */
import type { JsonObject } from '../../../model/types.ts';
import type { ActionType } from '../action-type.ts';

export function waitMilliseconds(settings: JsonObject): number {
  const n = (key: string) => (typeof settings[key] === 'number' ? (settings[key] as number) : 0);
  return ((n('days') * 24 + n('hours')) * 60 + n('minutes')) * 60_000;
}

export const waitAction: ActionType = {
  name: 'wait',
  effect: 'control',
  label: { en: 'Wait', fa: 'صبر', ar: 'انتظار' },
  check(settings) {
    return waitMilliseconds(settings) > 0 ? [] : [{ pointer: '', message: 'say how long to wait: days, hours or minutes' }];
  },
  prepare(settings, ctx) {
    return { ok: true, request: { until: new Date(ctx.now.getTime() + waitMilliseconds(settings)).toISOString() } };
  },
  perform() {
    return Promise.reject(new Error('wait is interpreted by the engine'));
  },
};
