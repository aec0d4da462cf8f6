import { SYSTEM_ACCESS } from '../../../access/access.ts';
import { describe, expect, it } from 'vitest';
import type { JsonObject, Model } from '../../../model/types.ts';
import { checkTemplate, renderTemplate, templateNamesFrom } from '../../../rules/template.ts';
import type { WorkflowModel } from '../../../rules/types.ts';
import type { ActionCheckContext, PerformContext } from '../action-type.ts';
import { DEFAULT_HTTP_POLICY } from '../outbound/http-client.ts';
import { sendSmsAction } from './send-sms.ts';

const names = templateNamesFrom(['record.mobile', 'record.code']);
const checkCtx: ActionCheckContext = {
  model: {} as Model,
  workflow: { name: 'notify' } as WorkflowModel,
  entity: null,
  checkExpression: () => [],
  checkTemplate: (source) => checkTemplate(source, names),
};

function context(view: JsonObject): PerformContext {
  return {
    ...checkCtx,
    runId: 'run-1',
    stepId: 'sms',
    idempotencyKey: 'run-1:sms',
    attempt: 1,
    recordId: null,
    actorId: null,
    access: SYSTEM_ACCESS,
    depth: 0,
    services: { mailer: null, mailFrom: 'crm@example.com', sms: null, http: DEFAULT_HTTP_POLICY },
    now: new Date(),
    evaluate: () => null,
    render: (template, mode = 'text') => renderTemplate(template, view, mode),
    db: null as never,
  };
}

describe('send_sms', () => {
  it('checks both templates', () => {
    expect(sendSmsAction.check({ to: '{{record.mobile}}', text: 'Order {{record.code}}' }, checkCtx)).toEqual([]);
    expect(sendSmsAction.check({ to: '', text: '{{record.secret}}' }, checkCtx)).toEqual([
      { pointer: '/to', message: 'to must be a non-empty template' },
      { pointer: '/text', message: 'unknown merge field {{record.secret}}' },
    ]);
  });

  it('normalises the number to E.164 with the platform parser', async () => {
    for (const mobile of ['0912 345 6789', '+98 912 345 6789', '۰۹۱۲۳۴۵۶۷۸۹', '0098-912-345-6789']) {
      const prepared = await sendSmsAction.prepare({ to: '{{record.mobile}}', text: 'Order {{record.code}} ready' }, context({ record: { mobile, code: 'A1' } }));
      expect(prepared, mobile).toEqual({ ok: true, request: { to: '+989123456789', text: 'Order A1 ready' } });
    }
  });

  it('refuses what is not a phone number, an empty number and an empty or overlong text', async () => {
    const prepare = (view: JsonObject, text = 'hi') => sendSmsAction.prepare({ to: '{{record.mobile}}', text }, context(view));
    expect(await prepare({ record: { mobile: 'call me' } })).toMatchObject({ ok: false, error: expect.stringMatching(/is not a phone number/) });
    expect(await prepare({ record: {} })).toMatchObject({ ok: false, error: expect.stringMatching(/no phone number/) });
    expect(await prepare({ record: { mobile: '09123456789' } }, '  ')).toMatchObject({ ok: false, error: expect.stringMatching(/empty/) });
    expect(await prepare({ record: { mobile: '09123456789' } }, 'x'.repeat(1601))).toMatchObject({ ok: false, error: expect.stringMatching(/longer than 1600/) });
  });

  it('fails without retry when no provider is configured', async () => {
    expect(await sendSmsAction.perform({ to: '+989123456789', text: 'hi' }, context({}))).toEqual({ status: 'error', error: 'SMS is not configured: set PEYVAND_SMS_URL', retry: false });
  });
});
