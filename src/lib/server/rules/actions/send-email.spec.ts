import { SYSTEM_ACCESS } from '../../../access/access.ts';
import { describe, expect, it } from 'vitest';
import type { JsonObject, Model } from '../../../model/types.ts';
import { checkTemplate, renderTemplate, templateNamesFrom } from '../../../rules/template.ts';
import type { WorkflowModel } from '../../../rules/types.ts';
import type { ActionCheckContext, ActionContext, ActionServices, PerformContext } from '../action-type.ts';
import { DEFAULT_HTTP_POLICY } from '../outbound/http-client.ts';
import { MailError, MemoryMailer, messageIdFor, type Mailer } from '../outbound/mailer.ts';
import { sendEmailAction } from './send-email.ts';

const names = templateNamesFrom(['record.full_name', 'record.email', 'record.note', 'workflow.name', 'event.*']);
const workflow = { name: 'welcome' } as WorkflowModel;
const checkCtx: ActionCheckContext = {
  model: {} as Model,
  workflow,
  entity: null,
  checkExpression: () => [],
  checkTemplate: (source) => checkTemplate(source, names),
};

function context(view: JsonObject, services: Partial<ActionServices> = {}): PerformContext {
  const ctx: ActionContext = {
    model: {} as Model,
    workflow,
    entity: null,
    runId: 'run-1',
    stepId: 'step-1',
    idempotencyKey: 'run-1:step-1',
    attempt: 1,
    recordId: 'r1',
    actorId: null,
    access: SYSTEM_ACCESS,
    depth: 0,
    services: { mailer: new MemoryMailer(), mailFrom: '"CRM" <crm@example.com>', sms: null, http: DEFAULT_HTTP_POLICY, ...services },
    now: new Date('2026-03-01T09:00:00Z'),
    evaluate: () => null,
    render: (template, mode = 'text') => renderTemplate(template, view, mode),
  };
  return { ...ctx, db: null as never };
}

const settings = { to: '{{record.email}}', subject: 'Welcome, {{record.full_name}}', text: 'Hi {{record.full_name}}', html: '<p>Hi {{record.full_name}}</p>' };
const view = { record: { full_name: 'Ana <b>&</b>', email: 'ana@example.com', note: 'x\r\nBcc: all@example.com' } };

describe('send_email check', () => {
  it('accepts valid settings', () => {
    expect(sendEmailAction.check(settings, checkCtx)).toEqual([]);
  });

  it('requires to, subject and text, and checks every template', () => {
    expect(sendEmailAction.check({ subject: '', html: '{{{record.full_name}}} {{record.password}}', cc: '{{#x}}' }, checkCtx)).toEqual([
      { pointer: '/to', message: 'to is required' },
      { pointer: '/cc', message: expect.stringMatching(/cannot be read/) },
      { pointer: '/subject', message: 'subject must be a non-empty template' },
      { pointer: '/text', message: 'text is required' },
      { pointer: '/html', message: 'unknown merge field {{record.password}}' },
      { pointer: '/html', message: '{{{record.full_name}}} and {{& record.full_name}} would skip escaping; use {{record.full_name}}' },
    ]);
  });
});

describe('send_email prepare', () => {
  it('merges the record, escaping it in the html part only', async () => {
    const prepared = await sendEmailAction.prepare(settings, context(view));
    expect(prepared).toEqual({
      ok: true,
      request: { to: ['ana@example.com'], cc: [], subject: 'Welcome, Ana <b>&</b>', text: 'Hi Ana <b>&</b>', html: '<p>Hi Ana &lt;b&gt;&amp;&lt;&#x2F;b&gt;</p>' },
    });
  });

  it('refuses a subject that a merged value breaks into two header lines', async () => {
    const prepared = await sendEmailAction.prepare({ ...settings, subject: 'Re: {{record.note}}' }, context(view));
    expect(prepared).toEqual({ ok: false, error: 'the subject contains a line break once the record is merged' });
  });

  it('refuses recipients that a merged value breaks into headers', async () => {
    const prepared = await sendEmailAction.prepare({ ...settings, cc: '{{record.note}}' }, context(view));
    expect(prepared).toMatchObject({ ok: false, error: expect.stringMatching(/^cc: .*line break/) });
  });

  it('refuses a merged value that is not an address, and an empty recipient list', async () => {
    expect(await sendEmailAction.prepare({ ...settings, to: '{{record.full_name}}' }, context(view))).toMatchObject({ ok: false, error: expect.stringMatching(/is not an email address/) });
    expect(await sendEmailAction.prepare(settings, context({ record: {} }))).toMatchObject({ ok: false, error: expect.stringMatching(/no recipient/) });
  });
});

describe('send_email perform', () => {
  const request = { to: ['ana@example.com'], cc: [], subject: 'Hi', text: 'Hello', html: '<p>Hello</p>' };

  it('sends with a Message-ID derived from the idempotency key', async () => {
    const mailer = new MemoryMailer();
    const ctx = context(view, { mailer });
    const first = await sendEmailAction.perform(request, ctx);
    const again = await sendEmailAction.perform(request, ctx);
    const messageId = messageIdFor('run-1:step-1', 'example.com');
    expect(first).toEqual({ status: 'ok', output: { messageId, accepted: ['ana@example.com'], rejected: [] } });
    expect(again).toEqual(first);
    expect(mailer.sent.map((email) => [email.from, email.messageId, email.html])).toEqual([
      ['"CRM" <crm@example.com>', messageId, '<p>Hello</p>'],
      ['"CRM" <crm@example.com>', messageId, '<p>Hello</p>'],
    ]);
  });

  it('fails without retry when no mailer is configured', async () => {
    expect(await sendEmailAction.perform(request, context(view, { mailer: null }))).toEqual({ status: 'error', error: 'email is not configured: set SMTP_URL', retry: false });
  });

  it('passes on whether a mail failure is worth retrying', async () => {
    const failing = (error: Error): Mailer => ({ send: () => Promise.reject(error), close: () => Promise.resolve() });
    expect(await sendEmailAction.perform(request, context(view, { mailer: failing(new MailError('550 no such user', false)) }))).toEqual({ status: 'error', error: '550 no such user', retry: false });
    expect(await sendEmailAction.perform(request, context(view, { mailer: failing(new Error('socket hang up')) }))).toMatchObject({ status: 'error', retry: true });
  });

  it('is an error when every recipient was refused', async () => {
    const refusing: Mailer = { send: (email) => Promise.resolve({ messageId: email.messageId, accepted: [], rejected: ['ana@example.com'] }), close: () => Promise.resolve() };
    expect(await sendEmailAction.perform(request, context(view, { mailer: refusing }))).toMatchObject({ status: 'error', retry: false });
  });
});
