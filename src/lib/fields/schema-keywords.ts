/**
 * Small readers over authored property schemas, shared by the field-type modules.
 * Authored schemas are frozen and loose: every reader checks the shape it returns.
 */
import type { JsonObject, JsonValue } from '../model/types.ts';

/** Annotation keywords every value schema keeps. */
export const META_KEYWORDS = ['title', 'description', 'default', 'readOnly'] as const;

export function isJsonObject(value: JsonValue | null | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A deep copy: value schemas are handed to libraries (json-schema-to-typescript among them)
 * that may write into what they are given, and the authored schema is frozen.
 */
export function cloneJson<T extends JsonValue>(value: T): T {
  return structuredClone(value);
}

/**
 * A new schema holding only `keywords` (plus the annotation keywords) from `schema`, deep-copied.
 * `x-` keywords are never in the list, so they are always dropped.
 */
export function pickKeywords(schema: JsonObject, keywords: readonly string[]): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const key of [...keywords, ...META_KEYWORDS]) {
    const value = schema[key];
    if (value !== undefined && !key.startsWith('x-')) out[key] = cloneJson(value);
  }
  return out;
}

export function readString(schema: JsonObject, key: string): string | undefined {
  const value = schema[key];
  return typeof value === 'string' ? value : undefined;
}

export function readStringArray(schema: JsonObject, key: string): readonly string[] | undefined {
  const value = schema[key];
  if (!Array.isArray(value)) return undefined;
  const strings = value.filter((v): v is string => typeof v === 'string');
  return strings.length === value.length ? strings : undefined;
}

export function readObject(schema: JsonObject, key: string): JsonObject | undefined {
  const value = schema[key];
  return isJsonObject(value) ? value : undefined;
}

/**
 * The `x-type` check every inferable type shares: no `x-type`, or its own name.
 * Explicit-only types (long_text, percent, money, auto_number) require their name instead.
 */
export function hasXType(schema: JsonObject, name: string, isRequired: boolean): boolean {
  const xType = schema['x-type'];
  return xType === name || (!isRequired && xType === undefined);
}

/** A JSON Pointer token (RFC 6901), for `ctx.report` paths. */
export function pointer(...tokens: readonly (string | number)[]): string {
  return tokens.map((t) => '/' + String(t).replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}

/** A CSV cell quoted for an error message. */
export function quote(text: string): string {
  return JSON.stringify(text);
}
