/**
 * The outbound actions against real receivers on 127.0.0.1: an SMTP server (smtp-server) and an HTTP
 * server standing in for a webhook receiver and an SMS provider. The HTTP policy allows exactly the
 * test server's address and port.
 */
import { SYSTEM_ACCESS } from '../../src/lib/access/access.ts';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { JsonObject, Model } from '../../src/lib/model/types.ts';
import { renderTemplate } from '../../src/lib/rules/template.ts';
import type { WorkflowModel } from '../../src/lib/rules/types.ts';
import type { ActionResult, ActionServices, ActionType, PerformContext } from '../../src/lib/server/rules/action-type.ts';
import { callWebhookAction } from '../../src/lib/server/rules/actions/call-webhook.ts';
import { sendEmailAction } from '../../src/lib/server/rules/actions/send-email.ts';
import { sendSmsAction } from '../../src/lib/server/rules/actions/send-sms.ts';
import { DEFAULT_HTTP_POLICY, type HttpPolicy } from '../../src/lib/server/rules/outbound/http-client.ts';
import { createSmtpMailer, messageIdFor, type Mailer } from '../../src/lib/server/rules/outbound/mailer.ts';
import { smsConfigFromEnv } from '../../src/lib/server/rules/outbound/sms.ts';

const VIEW = {
  record: { full_name: 'Ana <script>alert(1)</script> & "Bo"', email: 'ana@example.com', mobile: '0912 345 6789', stage: 'won' },
  old: { stage: 'lead' },
  event: {},
  workflow: { name: 'welcome' },
};

function context(services: ActionServices, stepId = 'step-1'): PerformContext {
  return {
    model: {} as Model,
    access: SYSTEM_ACCESS,
    workflow: { name: 'welcome' } as WorkflowModel,
    entity: null,
    runId: 'run-1',
    stepId,
    idempotencyKey: `run-1:${stepId}`,
    attempt: 1,
    recordId: 'rec-1',
    actorId: null,
    depth: 0,
    services,
    now: new Date('2026-03-01T09:00:00Z'),
    evaluate: () => null,
    render: (template, mode = 'text') => renderTemplate(template, VIEW, mode),
    db: null as never,
  };
}

async function run(action: ActionType, settings: JsonObject, ctx: PerformContext): Promise<ActionResult> {
  const prepared = await action.prepare(settings, ctx);
  if (!prepared.ok) throw new Error(prepared.error);
  return action.perform(prepared.request, ctx);
}

/** Headers unfolded and RFC 2047 Q-words decoded; the text/html part with quoted-printable undone. */
function readMessage(raw: string): { headers: string; html: string } {
  const text = raw.replace(/\r\n/g, '\n');
  const headers = text
    .slice(0, text.indexOf('\n\n'))
    .replace(/\n[ \t]+/g, ' ')
    .replace(/\?= =\?UTF-8\?Q\?/g, '')
    .replace(/=\?UTF-8\?Q\?(.*?)\?=/g, (_m, word: string) => qp(word.replace(/_/g, ' ')));
  const part = text.slice(text.indexOf('Content-Type: text/html'));
  const body = part.slice(part.indexOf('\n\n') + 2);
  const html = qp(body.slice(0, body.indexOf('\n--')).replace(/=\n/g, ''));
  return { headers, html };
}

function qp(text: string): string {
  return Buffer.from(text.replace(/=([0-9A-F]{2})/g, (_m, hex: string) => `%${hex}`).replace(/%(?![0-9A-F]{2})/g, '%25'), 'utf8')
    .toString('utf8')
    .replace(/%[0-9A-F]{2}(?:%[0-9A-F]{2})*/g, (seq) => decodeURIComponent(seq));
}

interface Received {
  readonly from: string;
  readonly to: string[];
  readonly raw: string;
}

describe('send_email through a real SMTP server', () => {
  const received: Received[] = [];
  let smtp: SMTPServer;
  let mailer: Mailer;
  let services: ActionServices;

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo(address, _session, callback) {
        callback(address.address.startsWith('nobody@') ? Object.assign(new Error('no such user'), { responseCode: 550 }) : undefined);
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    smtp.listen(0, '127.0.0.1');
    await once(smtp.server, 'listening');
    const { port } = smtp.server.address() as AddressInfo;
    mailer = createSmtpMailer(`smtp://127.0.0.1:${port}`);
    services = { mailer, mailFrom: '"Peyvand CRM" <crm@peyvand.example>', sms: null, http: DEFAULT_HTTP_POLICY };
  });

  afterAll(async () => {
    await mailer.close();
    await new Promise<void>((resolve) => smtp.close(resolve));
  });

  beforeEach(() => {
    received.length = 0;
  });

  const settings = {
    to: '{{record.email}}',
    cc: 'boss@example.com',
    subject: 'Welcome, {{record.full_name}}',
    text: 'Hello {{record.full_name}}, you moved from {{old.stage}} to {{record.stage}}.',
    html: '<p>Hello <b>{{record.full_name}}</b></p>',
  };

  it('delivers a rendered email whose html part escapes the merge fields', async () => {
    const result = await run(sendEmailAction, settings, context(services));
    const messageId = messageIdFor('run-1:step-1', 'peyvand.example');
    expect(result).toEqual({ status: 'ok', output: { messageId, accepted: ['ana@example.com', 'boss@example.com'], rejected: [] } });
    expect(received).toHaveLength(1);
    const [mail] = received;
    expect(mail?.from).toBe('crm@peyvand.example');
    expect(mail?.to).toEqual(['ana@example.com', 'boss@example.com']);
    const { headers, html } = readMessage(mail?.raw ?? '');
    expect(headers).toMatch(/^From: "?Peyvand CRM"? <crm@peyvand\.example>$/m);
    expect(headers).toMatch(/^To: ana@example\.com$/m);
    expect(headers).toMatch(/^Cc: boss@example\.com$/m);
    expect(headers).toContain(`Message-ID: ${messageId}`);
    expect(headers).toMatch(/^Subject: Welcome, Ana <script>alert\(1\)<\/script> & "Bo"$/m);
    expect(html).toBe('<p>Hello <b>Ana &lt;script&gt;alert(1)&lt;&#x2F;script&gt; &amp; &quot;Bo&quot;</b></p>');
  });

  it('sends the same Message-ID again for the same idempotency key, and another for another step', async () => {
    await run(sendEmailAction, settings, context(services, 'step-1'));
    await run(sendEmailAction, settings, context(services, 'step-1'));
    await run(sendEmailAction, settings, context(services, 'step-2'));
    const ids = received.map((mail) => /^Message-ID: (.*)$/m.exec(readMessage(mail.raw).headers)?.[1]?.trim());
    expect(ids[0]).toBe(messageIdFor('run-1:step-1', 'peyvand.example'));
    expect(ids[1]).toBe(ids[0]);
    expect(ids[2]).toBe(messageIdFor('run-1:step-2', 'peyvand.example'));
  });

  it('reports recipients the server refused, and fails without retry when it refuses them all', async () => {
    const some = await run(sendEmailAction, { ...settings, cc: 'nobody@example.com' }, context(services));
    expect(some).toMatchObject({ status: 'ok', output: { accepted: ['ana@example.com'], rejected: ['nobody@example.com'] } });
    const none = await run(sendEmailAction, { ...settings, to: 'nobody@example.com', cc: '' }, context(services));
    expect(none).toMatchObject({ status: 'error', retry: false });
  });

  it('retries when the server cannot be reached', async () => {
    const closed = createSmtpMailer('smtp://127.0.0.1:1');
    try {
      const result = await run(sendEmailAction, settings, context({ ...services, mailer: closed }));
      expect(result).toMatchObject({ status: 'error', retry: true });
    } finally {
      await closed.close();
    }
  });
});

interface Hit {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

describe('webhooks and SMS through a local HTTP server', () => {
  const hits: Hit[] = [];
  let reply: { status: number; body: string } = { status: 200, body: '{"ok":true}' };
  let server: Server;
  let base: string;
  let policy: HttpPolicy;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        hits.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    base = `http://127.0.0.1:${port}`;
    policy = { ...DEFAULT_HTTP_POLICY, allowPrivate: [`127.0.0.1:${port}`], timeoutMs: 5_000 };
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    hits.length = 0;
    reply = { status: 200, body: '{"ok":true}' };
  });

  function services(sms: ActionServices['sms'] = null): ActionServices {
    return { mailer: null, mailFrom: 'crm@peyvand.example', sms, http: policy };
  }

  it('calls the webhook with the merged JSON body, headers and the Idempotency-Key', async () => {
    const settings = {
      url: `${base}/hooks/deal`,
      headers: { Authorization: 'Bearer t0k', 'X-Stage': '{{record.stage}}' },
      body: '{"name": "{{record.full_name}}", "stage": "{{record.stage}}"}',
    };
    const result = await run(callWebhookAction, settings, context(services(), 'hook'));
    expect(result).toEqual({ status: 'ok', output: { status: 200, body: '{"ok":true}' } });
    expect(hits).toHaveLength(1);
    const [hit] = hits;
    expect(hit?.method).toBe('POST');
    expect(hit?.url).toBe('/hooks/deal');
    expect(hit?.headers['idempotency-key']).toBe('run-1:hook');
    expect(hit?.headers.authorization).toBe('Bearer t0k');
    expect(hit?.headers['x-stage']).toBe('won');
    expect(hit?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(hit?.body ?? '')).toEqual({ name: VIEW.record.full_name, stage: 'won' });
  });

  it('sends the run as the default body, and nothing on GET', async () => {
    await run(callWebhookAction, { url: `${base}/default` }, context(services(), 'hook'));
    expect(JSON.parse(hits[0]?.body ?? '')).toMatchObject({ workflow: 'welcome', runId: 'run-1', stepId: 'hook', recordId: 'rec-1', record: VIEW.record, old: VIEW.old });
    await run(callWebhookAction, { url: `${base}/ping?x=1`, method: 'GET' }, context(services(), 'hook'));
    expect(hits[1]).toMatchObject({ method: 'GET', url: '/ping?x=1', body: '' });
    expect(hits[1]?.headers['idempotency-key']).toBe('run-1:hook');
  });

  it('says whether a failed call is worth retrying', async () => {
    const call = () => run(callWebhookAction, { url: `${base}/x` }, context(services(), 'hook'));
    for (const [status, retry] of [
      [500, true],
      [503, true],
      [429, true],
      [408, true],
      [400, false],
      [404, false],
      [410, false],
    ] as const) {
      reply = { status, body: 'nope' };
      expect(await call(), String(status)).toEqual({ status: 'error', error: `the server answered ${status}: nope`, retry });
    }
  });

  it('sends an SMS as JSON with the Idempotency-Key and the configured secret header', async () => {
    const sms = smsConfigFromEnv({ PEYVAND_SMS_URL: `${base}/sms`, PEYVAND_SMS_HEADERS: '{"Authorization": "Bearer ${SMS_TOKEN}"}', SMS_TOKEN: 'sms-secret' });
    const result = await run(sendSmsAction, { to: '{{record.mobile}}', text: 'Hi {{record.full_name}}\nline 2' }, context(services(sms), 'sms'));
    expect(result).toEqual({ status: 'ok', output: { to: '+989123456789', status: 200, body: '{"ok":true}' } });
    const [hit] = hits;
    expect(hit?.headers['idempotency-key']).toBe('run-1:sms');
    expect(hit?.headers.authorization).toBe('Bearer sms-secret');
    expect(JSON.parse(hit?.body ?? '')).toEqual({ to: '+989123456789', text: `Hi ${VIEW.record.full_name}\nline 2` });
  });

  it('sends an SMS as a GET query string', async () => {
    const sms = smsConfigFromEnv({ PEYVAND_SMS_URL: `${base}/sms/send?api=k`, PEYVAND_SMS_METHOD: 'GET', PEYVAND_SMS_BODY: 'receptor={{to}}&message={{text}}&ref={{key}}' });
    await run(sendSmsAction, { to: '{{record.mobile}}', text: 'a&b={{record.stage}}' }, context(services(sms), 'sms'));
    const url = new URL(hits[0]?.url ?? '', base);
    expect(Object.fromEntries(url.searchParams)).toEqual({ api: 'k', receptor: '+989123456789', message: 'a&b=won', ref: 'run-1:sms' });
    expect(hits[0]?.headers['idempotency-key']).toBe('run-1:sms');
  });

  it('retries an SMS the provider could not take', async () => {
    reply = { status: 502, body: 'bad gateway' };
    const sms = smsConfigFromEnv({ PEYVAND_SMS_URL: `${base}/sms` });
    const result = await run(sendSmsAction, { to: '{{record.mobile}}', text: 'hi' }, context(services(sms), 'sms'));
    expect(result).toMatchObject({ status: 'error', retry: true });
  });
});
