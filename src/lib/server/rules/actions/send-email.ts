/**
 * Sends an email through the configured mailer:
 * `{ "type": "send_email", "to": "{{record.email}}", "subject": "Welcome, {{record.full_name}}", "text": "…", "html": "<p>…</p>" }`.
 * `to` and `cc` are comma-separated after merging; `html` escapes every merge field. A repeated send
 * (after a crash) carries the same Message-ID, derived from the step's idempotency key.
 *
 * Consent (fields/consent.ts): when the workflow's entity has an email consent field
 * (`x-consent: "email"`) and a recipient is one of the triggering record's own addresses (a value
 * of one of its email fields), the step is skipped — status 'skipped', "no email consent: …" —
 * unless every such field is granted; never asked (null) counts as not granted. The dry run shows
 * it as `skip` in the request. Recipients that are not the record's own addresses (the owner, a
 * team inbox, a fixed address) are not the record's person: their mail is sent. An entity without
 * an email consent field sends as before.
 */
import { consentChannel } from '../../../fields/consent.ts';
import type { JsonObject } from '../../../model/types.ts';
import { unescapedFieldProblems } from '../../../rules/template.ts';
import type { ActionCheckContext, ActionContext, ActionIssue, ActionType, PrepareResult } from '../action-type.ts';
import { domainOf, MailError, messageIdFor, parseAddressList } from '../outbound/mailer.ts';

const MAX_SUBJECT = 998;
const MAX_BODY = 1_000_000;

function templateIssues(settings: JsonObject, key: string, ctx: ActionCheckContext, required: boolean): ActionIssue[] {
  const value = settings[key];
  if (value === undefined) return required ? [{ pointer: `/${key}`, message: `${key} is required` }] : [];
  if (typeof value !== 'string' || (required && value.trim() === '')) return [{ pointer: `/${key}`, message: `${key} must be a non-empty template` }];
  return ctx.checkTemplate(value).map((message) => ({ pointer: `/${key}`, message }));
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** Why the record's person may not be emailed, or null when the send may go ahead. */
function consentRefusal(ctx: ActionContext, recipients: readonly string[]): string | null {
  const entity = ctx.entity;
  if (!entity || ctx.recordId === null) return null;
  const consents = entity.fields.filter((f) => consentChannel(f) === 'email');
  if (consents.length === 0) return null;
  // Field names are checked identifiers, so they are safe inside a merge tag.
  const own = new Set(
    entity.fields
      .filter((f) => f.type === 'email')
      .map((f) => ctx.render(`{{record.${f.name}}}`).trim().toLowerCase())
      .filter((address) => address !== ''),
  );
  if (!recipients.some((address) => own.has(address.toLowerCase()))) return null;
  for (const field of consents) {
    const granted = ctx.render(`{{record.${field.name}.granted}}`);
    if (granted !== 'true') return `no email consent: ${field.name} of this ${entity.name} is ${granted === 'false' ? 'not granted' : 'not recorded'}`;
  }
  return null;
}

export const sendEmailAction: ActionType = {
  name: 'send_email',
  effect: 'external',
  label: { en: 'Send an email', fa: 'ارسال ایمیل', ar: 'إرسال بريد إلكتروني' },
  check(settings, ctx) {
    const issues = [
      ...templateIssues(settings, 'to', ctx, true),
      ...templateIssues(settings, 'cc', ctx, false),
      ...templateIssues(settings, 'subject', ctx, true),
      ...templateIssues(settings, 'text', ctx, true),
      ...templateIssues(settings, 'html', ctx, false),
    ];
    if (typeof settings.html === 'string') issues.push(...unescapedFieldProblems(settings.html).map((message) => ({ pointer: '/html', message })));
    return issues;
  },
  prepare(settings, ctx): PrepareResult {
    const to = parseAddressList(ctx.render(String(settings.to)));
    if (!to.ok) return { ok: false, error: `to: ${to.error}` };
    if (to.addresses.length === 0) return { ok: false, error: 'there is no recipient once the record is merged (is the email field empty?)' };
    const cc = parseAddressList(typeof settings.cc === 'string' ? ctx.render(settings.cc) : '');
    if (!cc.ok) return { ok: false, error: `cc: ${cc.error}` };
    const refusal = consentRefusal(ctx, [...to.addresses, ...cc.addresses]);
    if (refusal !== null) return { ok: true, request: { to: to.addresses, cc: cc.addresses, skip: refusal } };
    const subject = ctx.render(String(settings.subject)).trim();
    if (/[\r\n]/.test(subject)) return { ok: false, error: 'the subject contains a line break once the record is merged' };
    if (subject.length > MAX_SUBJECT) return { ok: false, error: `the subject is longer than ${MAX_SUBJECT} characters` };
    const text = ctx.render(String(settings.text));
    const html = typeof settings.html === 'string' ? ctx.render(settings.html, 'html') : null;
    if (text.length > MAX_BODY || (html?.length ?? 0) > MAX_BODY) return { ok: false, error: `the message is longer than ${MAX_BODY} characters` };
    return { ok: true, request: { to: to.addresses, cc: cc.addresses, subject, text, html } };
  },
  async perform(request, ctx) {
    if (typeof request.skip === 'string') return { status: 'skipped', reason: request.skip };
    const mailer = ctx.services.mailer;
    if (mailer === null) return { status: 'error', error: 'email is not configured: set SMTP_URL', retry: false };
    const messageId = messageIdFor(ctx.idempotencyKey, domainOf(ctx.services.mailFrom));
    try {
      const receipt = await mailer.send({
        from: ctx.services.mailFrom,
        to: strings(request.to),
        cc: strings(request.cc),
        subject: String(request.subject),
        text: String(request.text),
        ...(typeof request.html === 'string' ? { html: request.html } : {}),
        messageId,
      });
      if (receipt.accepted.length === 0) return { status: 'error', error: `the mail server refused every recipient: ${receipt.rejected.join(', ')}`, retry: false };
      return { status: 'ok', output: { messageId: receipt.messageId, accepted: receipt.accepted, rejected: receipt.rejected } };
    } catch (error) {
      if (error instanceof MailError) return { status: 'error', error: error.message, retry: error.retry };
      return { status: 'error', error: `sending failed: ${error instanceof Error ? error.message : String(error)}`, retry: true };
    }
  },
};
