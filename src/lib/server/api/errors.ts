/** Domain errors → API errors, in one place. */
import type { TRPCError } from '@trpc/server';
import type { RecordError, RecordErrorCode, RecordResult } from '../records/record-error.ts';
import { PeyvandApiError } from './trpc.ts';

const HTTP_CODE = {
  invalid: 'BAD_REQUEST',
  'not-found': 'NOT_FOUND',
  conflict: 'CONFLICT',
  duplicate: 'CONFLICT',
  forbidden: 'FORBIDDEN',
  limit: 'PAYLOAD_TOO_LARGE',
  'in-use': 'CONFLICT',
} as const satisfies Record<RecordErrorCode, TRPCError['code']>;

export function toApiError(error: RecordError): PeyvandApiError {
  return new PeyvandApiError(HTTP_CODE[error.code], error.message, {
    peyvandCode: error.code,
    ...(error.issues ? { issues: error.issues } : {}),
    ...(error.current ? { current: error.current } : {}),
  });
}

/** The value of a successful result, or the API error of a failed one. */
export function unwrap<T>(result: RecordResult<T>): T {
  if (result.ok) return result.value;
  throw toApiError(result.error);
}
