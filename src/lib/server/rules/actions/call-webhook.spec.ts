import { SYSTEM_ACCESS } from '../../../access/access.ts';
import { describe, expect, it } from 'vitest';
import type { JsonObject, Model } from '../../../model/types.ts';
import { checkTemplate, renderTemplate, templateNamesFrom } from '../../../rules/template.ts';
import type { WorkflowModel } from '../../../rules/types.ts';
import type { ActionCheckContext, PerformContext } from '../action-type.ts';
import { redact } from '../redact.ts';
import { DEFAULT_HTTP_POLICY } from '../outbound/http-client.ts';
import { callWebhookAction } from './call-webhook.ts';

const names = templateNamesFrom(['record.title', 'record.stage', 'record.amount', 'event.*']);
const checkCtx: ActionCheckContext = {
  model: {} as Model,
  workflow: { name: 'deals' } as WorkflowModel,
  entity: null,
  checkExpression: () => [],
  checkTemplate: (source) => checkTemplate(source, names),
};

function context(view: JsonObject): PerformContext {
  return {
    ...checkCtx,
    runId: 'run-1',
    stepId: 'hook',
    idempotencyKey: 'run-1:hook',
    attempt: 1,
    recordId: 'r1',
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

const view = { record: { title: 'Big "deal"", "admin": true, "x": "', stage: 'won', amount: 12.5 }, old: {}, event: {} };

describe('call_webhook check', () => {
  it('accepts a static http(s) URL, headers and a JSON body with merge fields in strings', () => {
    const settings = { url: 'https://hooks.example.com/deals', headers: { Authorization: 'Bearer abc', 'X-Stage': '{{record.stage}}' }, body: '{"title": "{{record.title}}", "tags": ["{{record.stage}}"]}' };
    expect(callWebhookAction.check(settings, checkCtx)).toEqual([]);
  });

  it('refuses other schemes, userinfo, merge fields in the URL, and unknown methods', () => {
    const issues = (settings: JsonObject) => callWebhookAction.check(settings, checkCtx).map((issue) => `${issue.pointer} ${issue.message}`);
    expect(issues({ url: 'file:///etc/passwd' })).toEqual(['/url only http and https URLs are allowed, not file:']);
    expect(issues({ url: 'https://me:pw@hooks.example.com/' })).toEqual(['/url URLs with a user name or password are not allowed; send credentials in a header']);
    expect(issues({ url: 'https://{{record.stage}}.example.com/' })).toEqual(['/url the URL is fixed; merge fields belong in the body or headers']);
    expect(issues({ url: 'https://hooks.example.com/', method: 'DELETE' })).toEqual(['/method method must be one of POST, PUT, PATCH, GET']);
    expect(issues({})).toEqual(['/url url is required']);
  });

  it('checks header names and value templates', () => {
    const issues = callWebhookAction.check({ url: 'https://hooks.example.com/', headers: { 'Bad Name': 'x', Host: 'internal', 'Idempotency-Key': 'x', 'X-A': '{{record.secret}}', 'X-B': 1 } }, checkCtx);
    expect(issues).toEqual([
      { pointer: '/headers/Bad Name', message: '"Bad Name" is not a valid header name' },
      { pointer: '/headers/Host', message: 'the Host header is set by Peyvand' },
      { pointer: '/headers/Idempotency-Key', message: 'the Idempotency-Key header is set by Peyvand' },
      { pointer: '/headers/X-A', message: 'unknown merge field {{record.secret}}' },
      { pointer: '/headers/X-B', message: 'a header value must be a template' },
    ]);
  });

  it('checks the body: JSON whose strings are templates, no body on GET', () => {
    const issues = (settings: JsonObject) => callWebhookAction.check({ url: 'https://hooks.example.com/', ...settings }, checkCtx).map((issue) => issue.message);
    expect(issues({ body: '{"title": {{record.title}}}' })).toEqual([expect.stringMatching(/must be a JSON document whose strings hold the merge fields/)]);
    expect(issues({ body: '{"{{record.stage}}": 1, "a": "{{record.secret}}"}' })).toEqual(['unknown merge field {{record.secret}}', 'merge fields are not allowed in JSON keys ({{record.stage}})']);
    expect(issues({ body: '['.repeat(40) + '1' + ']'.repeat(40) })).toEqual(['the body is nested deeper than 32 levels']);
    expect(issues({ method: 'GET', body: '{}' })).toEqual(['a GET request has no body']);
    expect(issues({ headers: { 'Content-Type': 'text/plain' }, body: 'Deal {{record.title}} {{record.nope}}' })).toEqual(['unknown merge field {{record.nope}}']);
  });
});

describe('call_webhook prepare', () => {
  it('merges strings of a JSON body one by one, so a value cannot add keys', async () => {
    const prepared = await callWebhookAction.prepare({ url: 'https://hooks.example.com/', body: '{"title": "{{record.title}}", "amount": "{{record.amount}}", "n": 1}' }, context(view));
    if (!prepared.ok) throw new Error(prepared.error);
    expect(prepared.request.headers).toEqual({ 'Content-Type': 'application/json' });
    expect(JSON.parse(String(prepared.request.body))).toEqual({ title: view.record.title, amount: '12.5', n: 1 });
  });

  it('merges form fields one by one', async () => {
    const prepared = await callWebhookAction.prepare(
      { url: 'https://hooks.example.com/', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'title={{record.title}}&stage={{record.stage}}' },
      context({ record: { title: 'a&admin=1', stage: 'won' } }),
    );
    if (!prepared.ok) throw new Error(prepared.error);
    expect(Object.fromEntries(new URLSearchParams(String(prepared.request.body)))).toEqual({ title: 'a&admin=1', stage: 'won' });
  });

  it('sends the run as JSON when there is no body, and nothing on GET', async () => {
    const prepared = await callWebhookAction.prepare({ url: 'https://hooks.example.com/' }, context(view));
    if (!prepared.ok) throw new Error(prepared.error);
    expect(JSON.parse(String(prepared.request.body))).toEqual({ workflow: 'deals', runId: 'run-1', stepId: 'hook', recordId: 'r1', record: view.record, old: {}, event: {} });
    const get = await callWebhookAction.prepare({ url: 'https://hooks.example.com/', method: 'GET' }, context(view));
    expect(get).toEqual({ ok: true, request: { url: 'https://hooks.example.com/', method: 'GET', headers: {}, body: null } });
  });

  it('refuses a header that a merged value breaks into two lines', async () => {
    const prepared = await callWebhookAction.prepare({ url: 'https://hooks.example.com/', headers: { 'X-Title': '{{record.title}}' } }, context({ record: { title: 'a\r\nX-Admin: 1' } }));
    expect(prepared).toEqual({ ok: false, error: 'the X-Title header contains a line break once the record is merged' });
  });

  it('keeps header values out of the run history', async () => {
    const prepared = await callWebhookAction.prepare({ url: 'https://hooks.example.com/', headers: { 'X-Api-Key': 'k-123' } }, context(view));
    if (!prepared.ok) throw new Error(prepared.error);
    expect(JSON.stringify(redact(callWebhookAction, prepared.request))).not.toContain('k-123');
  });
});

describe('call_webhook perform', () => {
  it('refuses a private address with the default policy, without retry', async () => {
    const result = await callWebhookAction.perform({ url: 'http://169.254.169.254/latest/meta-data/', method: 'GET', headers: {}, body: null }, context(view));
    expect(result).toEqual({ status: 'error', error: 'refused: 169.254.169.254 is a metadata address', retry: false });
  });
});
