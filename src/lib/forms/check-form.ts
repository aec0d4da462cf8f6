/**
 * Decode a posted record form and validate it, with one localised message per field: what the
 * record form runs in the browser before posting, and what a form action can run on the server
 * (where the record service validates once more).
 *
 *   const check = checkForm({ entity: deal, data: await request.formData(), mode: 'create', locale, calendar, timeZone });
 *   if (!check.ok) return fail(400, { errors: check.errors });
 */
import type { CalendarName, Locale } from '../i18n/locales.ts';
import type { JsonValue, EntityModel } from '../model/types.ts';
import { validateRecord } from '../records/validate-record.ts';
import { decodeForm, type FormDataLike } from './decode-form.ts';
import type { FormMode } from './form-spec.ts';
import { fieldIssueMessage, formIssueMessage } from './issue-messages.ts';

export interface CheckFormInput {
  readonly entity: EntityModel;
  readonly data: FormDataLike;
  readonly mode: FormMode;
  readonly locale: Locale;
  readonly calendar: CalendarName;
  readonly timeZone: string;
}

export interface FormCheck {
  readonly ok: boolean;
  /** Decoded values (only the readable ones when `ok` is false). */
  readonly values: Record<string, JsonValue | null>;
  readonly version: number | null;
  /** One message per field name, in the user's language. */
  readonly errors: Record<string, string>;
  /** Problems not tied to one field. */
  readonly formErrors: readonly string[];
}

export function checkForm(input: CheckFormInput): FormCheck {
  const { entity, data, mode, locale, calendar, timeZone } = input;
  const decoded = decodeForm(entity, data, { calendar, timeZone }, mode);
  const errors: Record<string, string> = {};
  const formErrors: string[] = [];
  for (const issue of decoded.issues) errors[issue.field] ??= formIssueMessage(locale, issue);

  const checked = validateRecord(entity, decoded.values, mode === 'edit' ? 'update' : 'create', { withCodes: true });
  if (!checked.ok) {
    for (const issue of checked.issues) {
      if (issue.field === null) formErrors.push(issue.message);
      // An input that could not be read is not also "required": its own message says more.
      else errors[issue.field] ??= fieldIssueMessage(locale, issue);
    }
  }
  const ok = Object.keys(errors).length === 0 && formErrors.length === 0;
  return { ok, values: decoded.values, version: decoded.version, errors, formErrors };
}
