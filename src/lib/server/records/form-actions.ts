/**
 * Record form posts: decode the form in the user's calendar and digits, then call the API; its
 * refusals come back as messages next to the fields, in the user's language.
 */
import { fail, type ActionFailure } from '@sveltejs/kit';
import { TRPCError } from '@trpc/server';
import { decodeForm } from '../../forms/decode-form.ts';
import { fieldIssueMessage, formIssueMessage } from '../../forms/issue-messages.ts';
import type { EntityModel, JsonValue } from '../../model/types.ts';
import { peyvandDetail } from '../api/trpc.ts';

export interface FormFailure {
  readonly values: Record<string, JsonValue | null>;
  readonly errors: Record<string, string>;
  readonly message: string | null;
  readonly conflict?: { readonly mine: Record<string, JsonValue | null>; readonly theirs: Record<string, JsonValue>; readonly fields: string[]; readonly version: number };
}

export async function readRecordForm(request: Request, entity: EntityModel, locals: App.Locals, mode: 'create' | 'edit') {
  const data = await request.formData();
  const decoded = decodeForm(entity, data, { calendar: locals.calendar, timeZone: locals.timeZone }, mode);
  const errors: Record<string, string> = {};
  for (const issue of decoded.issues) errors[issue.field] ??= formIssueMessage(locals.locale, issue);
  return { data, decoded, errors };
}

/** Turns an API refusal into a form failure; anything else is rethrown. */
export function refusal(error: unknown, locals: App.Locals, values: Record<string, JsonValue | null>): ActionFailure<FormFailure> {
  if (!(error instanceof TRPCError) || error.code === 'INTERNAL_SERVER_ERROR') throw error;
  const errors: Record<string, string> = {};
  for (const issue of peyvandDetail(error)?.issues ?? []) if (issue.field) errors[issue.field] ??= fieldIssueMessage(locals.locale, issue);
  return fail(error.code === 'CONFLICT' ? 409 : 400, { values, errors, message: Object.keys(errors).length > 0 ? null : error.message });
}
