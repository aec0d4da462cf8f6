/**
 * Form and validation issues → messages in the user's language.
 *
 *   formIssueMessage('fa', { field: 'expected_close', key: 'validation.notInCalendar', params: { calendar: 'persian' } })
 *   // 'این روز در تقویم شمسی (هجری خورشیدی) وجود ندارد.'
 *   fieldIssueMessage('en', { path: '/title', field: 'title', message: '…', code: 'too_long', params: { limit: 200 } })
 *   // 'Use at most 200 characters.'
 */
import { formatNumber } from '../i18n/format.ts';
import { t, type MessageKey } from '../i18n/index.ts';
import { isCalendar, type Locale } from '../i18n/locales.ts';
import type { FieldIssue, IssueCode } from '../records/validate-record.ts';
import type { FormIssue, MessageParams, ValidationMessageKey } from './decode-form.ts';

/** Numbers in the locale's digits; a calendar id as the calendar's name. */
function localParams(locale: Locale, params: MessageParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(params)) {
    if (name === 'calendar' && isCalendar(raw)) out[name] = t(locale, `calendar.${raw}` satisfies MessageKey);
    else out[name] = typeof raw === 'number' ? formatNumber(locale, raw) : raw;
  }
  return out;
}

export function formIssueMessage(locale: Locale, issue: Pick<FormIssue, 'key' | 'params'>): string {
  return t(locale, issue.key, localParams(locale, issue.params));
}

const FORMAT_KEYS: Readonly<Record<string, ValidationMessageKey>> = {
  email: 'validation.email',
  phone: 'validation.phone',
  url: 'validation.url',
  date: 'validation.notDate',
  'date-time': 'validation.notDateTime',
  decimal: 'validation.notNumber',
  uuid: 'validation.relation',
};

/** The message for each code `validateRecord` gives with `{ withCodes: true }`. */
const CODE_KEYS = {
  required: () => 'validation.required',
  read_only: () => 'validation.readOnly',
  nul: () => 'validation.nul',
  too_long: () => 'validation.tooLong',
  too_short: () => 'validation.tooShort',
  format: (params) => FORMAT_KEYS[String(params.format)] ?? 'validation.invalid',
  type: () => 'validation.invalid',
  not_an_option: () => 'validation.option',
  pattern: () => 'validation.pattern',
  too_small: () => 'validation.tooSmall',
  too_large: () => 'validation.tooLarge',
  too_many_items: () => 'validation.tooManyItems',
  too_few_items: () => 'validation.tooFewItems',
  duplicate_items: () => 'validation.duplicateItems',
  invalid: () => 'validation.invalid',
} satisfies Record<IssueCode, (params: MessageParams) => ValidationMessageKey>;

/** A `validateRecord` issue in the user's language; one without a code or messages keeps its English message. */
export function fieldIssueMessage(locale: Locale, issue: FieldIssue): string {
  // A validation rule's own words, in the user's language when its author wrote them.
  if (issue.messages) return issue.messages[locale] ?? issue.messages.en ?? issue.message;
  if (!issue.code) return issue.message;
  const params = issue.params ?? {};
  return formIssueMessage(locale, { key: CODE_KEYS[issue.code](params), params });
}
