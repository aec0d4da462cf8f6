/**
 * Sends a text message through the configured HTTP SMS provider:
 * `{ "type": "send_sms", "to": "{{record.mobile}}", "text": "Your order {{record.code}} is ready" }`.
 * The number is normalised to E.164 the way phone fields are (`0912 345 6789` → `+989123456789`);
 * the provider gets the step's idempotency key as `Idempotency-Key`.
 *
 * Consent, as for send_email: when the workflow's entity has an SMS consent field
 * (`x-consent: "sms"`) and the number is one of the triggering record's own (a value of one of its
 * phone fields), the step is skipped — "no sms consent: …" — unless every such field is granted
 * (never asked counts as not granted); the dry run shows it as `skip`. Another number (the owner's,
 * a fixed one) is sent to; an entity without an SMS consent field sends as before.
 */
import { DEFAULT_COUNTRY_CODE, toE164 } from '../../../fields/phone.ts';
import { consentChannel } from '../../../fields/consent.ts';
import type { JsonObject } from '../../../model/types.ts';
import type { ActionCheckContext, ActionContext, ActionIssue, ActionType, PrepareResult } from '../action-type.ts';
import { sendSms } from '../outbound/sms.ts';

/** Ten concatenated segments of 160 GSM characters; longer is almost certainly a mistake. */
const MAX_TEXT = 1600;
const MAX_OUTPUT_BODY = 2048;

function templateIssues(settings: JsonObject, key: string, ctx: ActionCheckContext): ActionIssue[] {
  const value = settings[key];
  if (typeof value !== 'string' || value.trim() === '') return [{ pointer: `/${key}`, message: `${key} must be a non-empty template` }];
  return ctx.checkTemplate(value).map((message) => ({ pointer: `/${key}`, message }));
}

/** Why the record's person may not be texted at `to` (E.164), or null when the send may go ahead. */
function consentRefusal(ctx: ActionContext, to: string): string | null {
  const entity = ctx.entity;
  if (!entity || ctx.recordId === null) return null;
  const consents = entity.fields.filter((f) => consentChannel(f) === 'sms');
  if (consents.length === 0) return null;
  // Field names are checked identifiers, so they are safe inside a merge tag.
  const own = entity.fields
    .filter((f) => f.type === 'phone')
    .map((f) => toE164(ctx.render(`{{record.${f.name}}}`).trim(), DEFAULT_COUNTRY_CODE))
    .filter((n): n is string => n !== null);
  if (!own.includes(to)) return null;
  for (const field of consents) {
    const granted = ctx.render(`{{record.${field.name}.granted}}`);
    if (granted !== 'true') return `no sms consent: ${field.name} of this ${entity.name} is ${granted === 'false' ? 'not granted' : 'not recorded'}`;
  }
  return null;
}

export const sendSmsAction: ActionType = {
  name: 'send_sms',
  effect: 'external',
  label: { en: 'Send an SMS', fa: 'ارسال پیامک', ar: 'إرسال رسالة نصية' },
  check(settings, ctx) {
    return [...templateIssues(settings, 'to', ctx), ...templateIssues(settings, 'text', ctx)];
  },
  prepare(settings, ctx): PrepareResult {
    const written = ctx.render(String(settings.to)).trim();
    if (written === '') return { ok: false, error: 'there is no phone number once the record is merged (is the field empty?)' };
    // The platform's default country, as for phone fields without x-default-country.
    const to = toE164(written, DEFAULT_COUNTRY_CODE);
    if (to === null) return { ok: false, error: `${JSON.stringify(written.slice(0, 40))} is not a phone number` };
    const refusal = consentRefusal(ctx, to);
    if (refusal !== null) return { ok: true, request: { to, skip: refusal } };
    const text = ctx.render(String(settings.text)).trim();
    if (text === '') return { ok: false, error: 'the message is empty once the record is merged' };
    if (text.length > MAX_TEXT) return { ok: false, error: `the message is longer than ${MAX_TEXT} characters` };
    return { ok: true, request: { to, text } };
  },
  async perform(request, ctx) {
    if (typeof request.skip === 'string') return { status: 'skipped', reason: request.skip };
    const config = ctx.services.sms;
    if (config === null) return { status: 'error', error: 'SMS is not configured: set PEYVAND_SMS_URL', retry: false };
    const result = await sendSms(config, ctx.services.http, { to: String(request.to), text: String(request.text), idempotencyKey: ctx.idempotencyKey });
    if (!result.ok) return { status: 'error', error: `the SMS provider: ${result.error}`, retry: result.retry };
    return { status: 'ok', output: { to: String(request.to), status: result.status, body: result.body.slice(0, MAX_OUTPUT_BODY) } };
  },
};
