/**
 * The one text form of every JSON file a pack export writes: a few leading keys in a fixed order
 * (`$schema`, `$id`, `name`, `version`, `title`, `description`), the other keys in code-point
 * order, two-space indentation and a final newline. Objects whose key order means something (an
 * entity's `properties`: the order of its fields) keep their order. Equal documents, equal bytes.
 *
 *   packJson({ title: 'Deal', $id: 'deal', properties: { b: {}, a: {} } }, { keepOrder: ['/properties'] })
 *   // '{\n  "$id": "deal",\n  "title": "Deal",\n  "properties": {\n    "b": {},\n    "a": {}\n  }\n}\n'
 */
const LEADING_KEYS = ['$schema', '$id', 'name', 'version', 'title', 'description'] as const;

export interface PackJsonOptions {
  /** JSON pointers of objects whose keys stay in the order given. */
  readonly keepOrder?: readonly string[];
}

export function packJson(value: unknown, options: PackJsonOptions = {}): string {
  const keep = new Set(options.keepOrder ?? []);
  return `${JSON.stringify(ordered(value, '', keep), null, 2)}\n`;
}

function ordered(value: unknown, pointer: string, keep: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map((v, i) => ordered(v, `${pointer}/${i}`, keep));
  if (!value || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  const sorted = keep.has(pointer) ? keys : [...LEADING_KEYS.filter((k) => keys.includes(k)), ...keys.filter((k) => !(LEADING_KEYS as readonly string[]).includes(k)).sort()];
  // A null-prototype object: a "__proto__" key stays a key (JSON.parse makes it an own property).
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const key of sorted) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = ordered(v, `${pointer}/${escapePointer(key)}`, keep);
  }
  return out;
}

export function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Equal as JSON values, whatever the key order. */
export function sameJson(a: unknown, b: unknown): boolean {
  return packJson(a) === packJson(b);
}
