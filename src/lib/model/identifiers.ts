/**
 * The one grammar for names that become SQL identifiers (entities, fields), checked at the model
 * boundary. After this check a name reaches SQL only through Kysely's identifier APIs.
 */

export const ENTITY_NAME_MAX = 40;
export const FIELD_NAME_MAX = 48;

const NAME_PATTERN = /^[a-z][a-z0-9_]*$/;

/** Columns every entity table has; no field may take these names. */
export const SYSTEM_COLUMNS = ['id', 'created_at', 'updated_at', 'created_by', 'owner', 'version'] as const;
export type SystemColumn = (typeof SYSTEM_COLUMNS)[number];

/** PostgreSQL's reserved key words (SQL:2016 reserved ones PostgreSQL also refuses as names). */
export const RESERVED_WORDS: ReadonlySet<string> = new Set([
  'all', 'analyse', 'analyze', 'and', 'any', 'array', 'as', 'asc', 'asymmetric', 'authorization', 'binary', 'both',
  'case', 'cast', 'check', 'collate', 'collation', 'column', 'concurrently', 'constraint', 'create', 'cross',
  'current_catalog', 'current_date', 'current_role', 'current_schema', 'current_time', 'current_timestamp',
  'current_user', 'default', 'deferrable', 'desc', 'distinct', 'do', 'else', 'end', 'except', 'false', 'fetch',
  'for', 'foreign', 'freeze', 'from', 'full', 'grant', 'group', 'having', 'ilike', 'in', 'initially', 'inner',
  'intersect', 'into', 'is', 'isnull', 'join', 'lateral', 'leading', 'left', 'like', 'limit', 'localtime',
  'localtimestamp', 'natural', 'not', 'notnull', 'null', 'offset', 'on', 'only', 'or', 'order', 'outer',
  'overlaps', 'placing', 'primary', 'references', 'returning', 'right', 'select', 'session_user', 'similar',
  'some', 'symmetric', 'system_user', 'table', 'tablesample', 'then', 'to', 'trailing', 'true', 'union',
  'unique', 'user', 'using', 'variadic', 'verbose', 'when', 'where', 'window', 'with',
  // Names of our own schemas, so that no table can be mistaken for one.
  'peyvand', 'data', 'pg_catalog', 'information_schema', 'public',
]);

/** Why `name` cannot be an entity or field name, or null when it can. */
export function identifierProblem(name: string, kind: 'entity' | 'field'): string | null {
  const max = kind === 'entity' ? ENTITY_NAME_MAX : FIELD_NAME_MAX;
  if (name.length === 0) return `${kind} name is empty`;
  // Explain the likeliest mistakes in words before the general rule.
  if (/[^\x21-\x7e]/.test(name)) {
    return `${kind} name "${printable(name)}" contains a space, an invisible or a non-ASCII character; use lower-case ASCII letters, digits and _`;
  }
  if (!NAME_PATTERN.test(name)) {
    return `${kind} name "${name}" must start with a lower-case letter and contain only lower-case letters, digits and _ (no quotes, dots, dashes or semicolons)`;
  }
  if (name.length > max) return `${kind} name "${name}" is ${name.length} characters long; at most ${max} are allowed`;
  if (name.includes('__')) return `${kind} name "${name}" contains "__", which is reserved for the platform's own columns`;
  if (name.endsWith('_')) return `${kind} name "${name}" ends with "_"`;
  if (RESERVED_WORDS.has(name)) return `${kind} name "${name}" is a reserved word in SQL; choose another name`;
  if (kind === 'field' && (SYSTEM_COLUMNS as readonly string[]).includes(name)) {
    return `field name "${name}" is a system field every record already has`;
  }
  return null;
}

function printable(name: string): string {
  // Invisible characters are shown as code points; visible letters (e.g. Persian) as they are.
  return [...name].map((ch) => (/[\p{Cc}\p{Cf}\p{Z}]/u.test(ch) ? `\\u{${ch.codePointAt(0)?.toString(16)}}` : ch)).join('');
}
