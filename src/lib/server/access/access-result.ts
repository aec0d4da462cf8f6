/**
 * The outcome of an access-administration change: a value, or a typed error with a sentence for
 * the person who asked. They become API errors in one place (api/access-router.ts).
 *
 *   const result = await createTeam(db, { name: 'Tehran office', parentId, actorId });
 *   if (!result.ok) console.error(result.error.code, result.error.message);
 */
export const ACCESS_ERROR_CODES = ['invalid', 'not-found', 'conflict', 'forbidden'] as const;
export type AccessErrorCode = (typeof ACCESS_ERROR_CODES)[number];

/** Where in a document something is wrong (a role file: `/entities/deal/fields/x`). */
export interface AccessIssue {
  readonly pointer: string;
  readonly message: string;
}

export interface AccessError {
  readonly code: AccessErrorCode;
  readonly message: string;
  readonly issues?: readonly AccessIssue[];
}

export type AccessResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: AccessError };

export function done<T>(value: T): AccessResult<T> {
  return { ok: true, value };
}

export function refused<T = never>(code: AccessErrorCode, message: string, issues?: readonly AccessIssue[]): AccessResult<T> {
  return { ok: false, error: { code, message, ...(issues && issues.length > 0 ? { issues } : {}) } };
}

/** Ids from forms and URLs are not trusted: PostgreSQL throws on a malformed uuid literal. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
