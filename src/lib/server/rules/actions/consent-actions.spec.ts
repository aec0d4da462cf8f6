import { describe, expect, it } from 'vitest';
import { SYSTEM_ACCESS } from '../../../access/access.ts';
import { consentField } from '../../../fields/consent.ts';
import { emailField } from '../../../fields/email.ts';
import { makeField } from '../../../fields/field-fixture.ts';
import { phoneField } from '../../../fields/phone.ts';
import type { EntityModel, JsonObject, Model } from '../../../model/types.ts';
import { renderTemplate } from '../../../rules/template.ts';
import type { WorkflowModel } from '../../../rules/types.ts';
import type { PerformContext } from '../action-type.ts';
import { DEFAULT_HTTP_POLICY } from '../outbound/http-client.ts';
import { MemoryMailer } from '../outbound/mailer.ts';
import { sendEmailAction } from './send-email.ts';
import { sendSmsAction } from './send-sms.ts';

const contact = {
  name: 'contact',
  fields: [
    makeField(emailField, { type: 'string', format: 'email' }, 'email'),
    makeField(phoneField, { type: 'string', format: 'phone' }, 'mobile'),
    makeField(consentField, { type: 'object', 'x-consent': 'email' }, 'email_consent'),
    makeField(consentField, { type: 'object', 'x-consent': 'sms' }, 'sms_consent'),
  ],
} as unknown as EntityModel;
const plain = { name: 'lead', fields: [makeField(emailField, { type: 'string', format: 'email' }, 'email')] } as unknown as EntityModel;

function context(entity: EntityModel | null, record: JsonObject, mailer = new MemoryMailer()): PerformContext {
  return {
    model: {} as Model,
    workflow: { name: 'greet' } as WorkflowModel,
    entity,
    runId: 'run-1',
    stepId: 'step-1',
    idempotencyKey: 'run-1:step-1',
    attempt: 1,
    recordId: 'r1',
    actorId: null,
    access: SYSTEM_ACCESS,
    depth: 0,
    services: { mailer, mailFrom: 'crm@example.com', sms: null, http: DEFAULT_HTTP_POLICY },
    now: new Date('2026-03-01T09:00:00Z'),
    evaluate: () => null,
    render: (template, mode = 'text') => renderTemplate(template, { record }, mode),
    db: null as never,
  };
}

const email = { to: '{{record.email}}', subject: 'Hi', text: 'Hello' };
const granted = { granted: true, source: 'web form', at: '2026-01-02T10:00:00.000Z' };
const refused = { granted: false, source: 'phone call', at: '2026-01-02T10:00:00.000Z' };

describe('send_email and consent', () => {
  it('skips, with the reason in the dry-run request, when the record has not agreed', async () => {
    const ctx = context(contact, { email: 'sara@example.com', email_consent: refused });
    const prepared = await sendEmailAction.prepare(email, ctx);
    expect(prepared).toEqual({ ok: true, request: { to: ['sara@example.com'], cc: [], skip: 'no email consent: email_consent of this contact is not granted' } });
    if (!prepared.ok) throw new Error('unreachable');
    const mailer = new MemoryMailer();
    expect(await sendEmailAction.perform(prepared.request, context(contact, {}, mailer))).toEqual({ status: 'skipped', reason: 'no email consent: email_consent of this contact is not granted' });
    expect(mailer.sent).toHaveLength(0);
  });

  it('counts a consent never asked for as not granted', async () => {
    const prepared = await sendEmailAction.prepare(email, context(contact, { email: 'sara@example.com', email_consent: null }));
    expect(prepared).toMatchObject({ ok: true, request: { skip: 'no email consent: email_consent of this contact is not recorded' } });
  });

  it('sends with consent, to another address than the record’s, and on an entity without a consent field', async () => {
    for (const [entity, record, settings] of [
      [contact, { email: 'sara@example.com', email_consent: granted }, email],
      [contact, { email: 'sara@example.com', email_consent: refused }, { ...email, to: 'owner@example.com' }],
      [plain, { email: 'sara@example.com' }, email],
    ] as const) {
      const mailer = new MemoryMailer();
      const prepared = await sendEmailAction.prepare(settings, context(entity, record, mailer));
      if (!prepared.ok) throw new Error(prepared.error);
      expect(prepared.request.skip).toBeUndefined();
      expect(await sendEmailAction.perform(prepared.request, context(entity, record, mailer))).toMatchObject({ status: 'ok' });
      expect(mailer.sent).toHaveLength(1);
    }
  });

  it('matches the record’s address whatever its case, also in cc', async () => {
    const prepared = await sendEmailAction.prepare({ ...email, to: 'owner@example.com', cc: 'SARA@example.com' }, context(contact, { email: 'sara@example.com', email_consent: refused }));
    expect(prepared).toMatchObject({ ok: true, request: { skip: expect.stringMatching(/^no email consent/) as string } });
  });
});

describe('send_sms and consent', () => {
  const sms = { to: '{{record.mobile}}', text: 'Happy birthday' };

  it('skips the record’s own number without SMS consent, and says so in the dry run', async () => {
    const prepared = await sendSmsAction.prepare(sms, context(contact, { mobile: '+989123456789', sms_consent: refused }));
    expect(prepared).toEqual({ ok: true, request: { to: '+989123456789', skip: 'no sms consent: sms_consent of this contact is not granted' } });
    if (!prepared.ok) throw new Error('unreachable');
    expect(await sendSmsAction.perform(prepared.request, context(contact, {}))).toEqual({ status: 'skipped', reason: 'no sms consent: sms_consent of this contact is not granted' });
  });

  it('prepares the send with consent (the number written in any form) and to another number', async () => {
    expect(await sendSmsAction.prepare({ ...sms, to: '0912 345 6789' }, context(contact, { mobile: '+989123456789', sms_consent: granted }))).toEqual({
      ok: true,
      request: { to: '+989123456789', text: 'Happy birthday' },
    });
    expect(await sendSmsAction.prepare({ ...sms, to: '+989120000000' }, context(contact, { mobile: '+989123456789', sms_consent: refused }))).toEqual({
      ok: true,
      request: { to: '+989120000000', text: 'Happy birthday' },
    });
  });
});
