/** What the run history shows of a step's request: the action's secret settings as `[redacted]`. */
import type { JsonObject, JsonValue } from '../../model/types.ts';
import type { ActionType } from './action-type.ts';

const SECRET_NAME = /authorization|password|secret|token|api[-_]?key|cookie/i;

export function redact(type: ActionType, request: JsonObject): JsonObject {
  const secretKeys = new Set(type.secretKeys ?? []);
  const out: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(request)) out[key] = secretKeys.has(key) ? hideSecrets(value, true) : hideSecrets(value, false);
  return out;
}

/** Inside a secret setting (e.g. headers) every value is hidden; elsewhere, keys that look secret. */
function hideSecrets(value: JsonValue, all: boolean): JsonValue {
  if (value === null || typeof value !== 'object') return all ? '[redacted]' : value;
  if (Array.isArray(value)) return value.map((v) => hideSecrets(v, all));
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(value as JsonObject)) out[k] = all || SECRET_NAME.test(k) ? (typeof v === 'object' && v !== null ? hideSecrets(v, true) : '[redacted]') : hideSecrets(v, false);
  return out;
}
