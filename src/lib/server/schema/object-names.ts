/** Names of the database objects derived from a model (tables, indexes, constraints, sequences). */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

export const DATA_SCHEMA = 'data';
export const ARCHIVE_SCHEMA = 'archive';
/** Normalised text of an entity's searchable fields, maintained on every write. */
export const SEARCH_COLUMN = '_search';

const MAX_IDENTIFIER = 63;

/** Joins parts with `__`; a name longer than PostgreSQL allows keeps its start and a hash of the whole. */
export function objectName(...parts: readonly string[]): string {
  const name = parts.join('__');
  if (name.length <= MAX_IDENTIFIER) return name;
  const hash = bytesToHex(sha256(utf8ToBytes(name))).slice(0, 10);
  return `${name.slice(0, MAX_IDENTIFIER - hash.length - 1)}_${hash}`;
}

export function sequenceName(entity: string, field: string): string {
  return objectName(entity, field, 'seq');
}
