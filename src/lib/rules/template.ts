/**
 * Logic-less templates with merge fields (Mustache syntax) for emails, SMS and webhooks.
 *
 * ```ts
 * const names = templateNamesFrom(['record.full_name', 'event.*', 'now']);
 * checkTemplate('Hello {{record.full_name}}', names); // []
 * renderTemplate('<p>{{record.full_name}}</p>', { record: { full_name: '<b>Ana</b>' } }, 'html');
 * // '<p>&lt;b&gt;Ana&lt;&#x2F;b&gt;</p>'
 * ```
 *
 * Merge-field values are data, never markup or code: every field goes through the mode's escape
 * (`{{{x}}}` and `{{& x}}` included), partials render nothing, and the view is copied into
 * null-prototype objects so no name reaches `Object.prototype`.
 */
import Mustache from 'mustache';
import type { JsonObject, JsonValue } from '../model/types.ts';

/**
 * How merge fields are escaped: `text` not at all, `html` for HTML text and attributes,
 * `json-string` as the inside of a JSON string literal (the template supplies the quotes),
 * `url` as a URL component (query strings, form bodies).
 */
export type TemplateMode = 'text' | 'html' | 'json-string' | 'url';

/** The merge fields a template may use: exact dotted names, and prefixes under which any name is allowed. */
export interface TemplateNames {
  readonly exact: ReadonlySet<string>;
  /** Each ends with a dot: `event.` allows `event.anything.below`. */
  readonly prefixes: readonly string[];
}

export const MAX_TEMPLATE_LENGTH = 20_000;

/**
 * The allowed names, from dotted names where `x.*` opens everything under `x`
 * (`['record.full_name', 'event.*']`), or from names and prefixes ending with a dot.
 */
export function templateNamesFrom(input: readonly string[] | { readonly names: readonly string[]; readonly prefixes: readonly string[] }): TemplateNames {
  const list = 'names' in input ? [...input.names, ...input.prefixes.map((prefix) => `${prefix.replace(/\.$/, '')}.*`)] : input;
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const name of list) {
    if (name.endsWith('.*')) prefixes.push(name.slice(0, -1));
    else exact.add(name);
  }
  return { exact, prefixes };
}

type Token = readonly [string, string, number, number, ...unknown[]];

function parse(source: string): readonly Token[] {
  // A writer per call: the shared one caches every template it has seen, forever.
  return new Mustache.Writer().parse(source) as Token[];
}

function children(token: Token): readonly Token[] {
  const nested = token[4];
  return Array.isArray(nested) ? (nested as Token[]) : [];
}

/** The problems of a template: size, syntax, partials, unknown merge fields, and in `html` mode unescaped fields. */
export function checkTemplate(source: string, names: TemplateNames, mode: TemplateMode = 'text'): readonly string[] {
  if (source.length > MAX_TEMPLATE_LENGTH) return [`the template is longer than ${MAX_TEMPLATE_LENGTH} characters`];
  let tokens: readonly Token[];
  try {
    tokens = parse(source);
  } catch (error) {
    return [`the template cannot be read: ${error instanceof Error ? error.message : String(error)}`];
  }
  const problems: string[] = [];
  const report = (message: string) => {
    if (!problems.includes(message)) problems.push(message);
  };
  walk(tokens, []);
  return problems;

  /** `scopes`: the resolved paths of the enclosing sections, innermost last. */
  function walk(list: readonly Token[], scopes: readonly string[]): void {
    for (const token of list) {
      const [type, name] = token;
      switch (type) {
        case 'text':
        case '!':
        case '=':
          break;
        case '>':
          report(`partials are not supported: {{> ${name}}}`);
          break;
        case '&':
          if (mode !== 'text') report(unescapedProblem(name));
          resolve(name, scopes);
          break;
        case 'name':
          resolve(name, scopes);
          break;
        case '#': {
          const path = resolve(name, scopes);
          walk(children(token), path === null ? scopes : [...scopes, path]);
          break;
        }
        case '^':
          resolve(name, scopes);
          walk(children(token), scopes);
          break;
        default:
          report(`unsupported template tag: ${type}`);
      }
    }
  }

  /** Mustache looks a name up in each enclosing section, innermost first, then at the top. */
  function resolve(name: string, scopes: readonly string[]): string | null {
    if (name === '.') return scopes.at(-1) ?? null;
    for (const candidate of [...scopes.map((scope) => `${scope}.${name}`).reverse(), name]) {
      if (isKnown(candidate, names)) return candidate;
    }
    report(name === '' ? 'empty merge field {{}}' : `unknown merge field {{${name}}}`);
    return null;
  }
}

/** Only the `{{{x}}}` / `{{& x}}` problems of an HTML template (names are checked by `checkTemplate`). */
export function unescapedFieldProblems(source: string): readonly string[] {
  let tokens: readonly Token[];
  try {
    tokens = parse(source);
  } catch {
    return [];
  }
  const problems: string[] = [];
  const walk = (list: readonly Token[]) => {
    for (const token of list) {
      if (token[0] === '&') problems.push(unescapedProblem(token[1]));
      walk(children(token));
    }
  };
  walk(tokens);
  return [...new Set(problems)];
}

function unescapedProblem(name: string): string {
  return `{{{${name}}}} and {{& ${name}}} would skip escaping; use {{${name}}}`;
}

function isKnown(name: string, names: TemplateNames): boolean {
  if (!/^[\p{L}\p{N}_$-]+(?:\.[\p{L}\p{N}_$-]+)*$/u.test(name)) return false;
  if (names.exact.has(name)) return true;
  for (const prefix of names.prefixes) {
    if (name.startsWith(prefix)) return true;
  }
  // A parent of an allowed name (`record` for `record.full_name`) is usable as a section.
  for (const known of names.exact) if (known.startsWith(`${name}.`)) return true;
  for (const prefix of names.prefixes) if (prefix.startsWith(`${name}.`)) return true;
  return false;
}

/**
 * Renders a template over a JSON view. Throws on a template that does not parse (check it with
 * `checkTemplate` when it is saved). Objects and arrays used as a value render as JSON text.
 */
export function renderTemplate(source: string, view: JsonObject, mode: TemplateMode): string {
  const writer = new Mustache.Writer();
  const tokens = forceEscaping(parse(source));
  const escape = ESCAPES[mode];
  return writer.renderTokens(tokens as unknown as string[][], new UncachedContext(detach(view)), undefined, source, {
    escape: (value: unknown) => escape(stringify(value)),
  });
}

/**
 * Mustache memoises lookups in a plain object (`cache[name] = value`, `cache.hasOwnProperty(name)`):
 * a field named `hasOwnProperty` would shadow the method and break every later lookup. This context
 * answers only `.` from its "cache" and remembers nothing.
 */
class UncachedContext extends Mustache.Context {
  constructor(view: unknown, parent?: Mustache.Context) {
    super(view, parent);
    const cache = new Proxy(Object.create(null) as object, {
      get: (_target, key) => (key === 'hasOwnProperty' ? (name: string) => name === '.' : key === '.' ? view : undefined),
      set: () => true,
    });
    Object.defineProperty(this, 'cache', { value: cache });
  }

  override push(view: unknown): Mustache.Context {
    return new UncachedContext(view, this);
  }
}

const ESCAPES: Record<TemplateMode, (text: string) => string> = {
  text: (text) => text,
  html: (text) => Mustache.escape(text),
  'json-string': (text) => JSON.stringify(text).slice(1, -1),
  url: (text) => encodeURIComponent(text),
};

function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return '';
  // A view holds only JSON (null-prototype copies), so anything else is an object or array.
  return JSON.stringify(value) ?? '';
}

/** `{{{x}}}` / `{{& x}}` become `{{x}}`, and partials are dropped, at any depth. */
function forceEscaping(tokens: readonly Token[]): Token[] {
  const out: Token[] = [];
  for (const token of tokens) {
    const [type, name, start, end, ...rest] = token;
    if (type === '>') continue;
    if (type === '&') out.push(['name', name, start, end]);
    else if (type === '#' || type === '^') out.push([type, name, start, end, forceEscaping(children(token)), ...rest.slice(1)]);
    else out.push(token);
  }
  return out;
}

/**
 * A deep copy whose objects and arrays have no prototype, so Mustache's `name in object` lookups
 * cannot reach `constructor`, `__proto__` or Array methods (which it would call).
 */
function detach(value: JsonValue): unknown {
  if (Array.isArray(value)) {
    const copy: unknown[] = value.map(detach);
    Object.setPrototypeOf(copy, null);
    return copy;
  }
  if (value !== null && typeof value === 'object') {
    const copy = Object.create(null) as Record<string, unknown>;
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(copy, key, { value: detach(item), enumerable: true, writable: false, configurable: false });
    }
    return copy;
  }
  return value;
}
