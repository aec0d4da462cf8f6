/** The outcomes a record operation can fail with. They become HTTP/tRPC errors in one place (api/errors.ts). */
import type { FieldIssue } from '../../records/validate-record.ts';
import type { JsonValue } from '../../model/types.ts';

export type RecordErrorCode = 'invalid' | 'not-found' | 'conflict' | 'duplicate' | 'forbidden' | 'limit' | 'in-use';

export interface RecordError {
  readonly code: RecordErrorCode;
  readonly message: string;
  readonly issues?: readonly FieldIssue[];
  /** For a version conflict: the record as it is now, so the user can compare and choose. */
  readonly current?: Readonly<Record<string, JsonValue>>;
}

export type RecordResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: RecordError };

export const ok = <T>(value: T): RecordResult<T> => ({ ok: true, value });
export const fail = <T = never>(error: RecordError): RecordResult<T> => ({ ok: false, error });
