/**
 * One generic HTTP SMS adapter: most providers take a POST (JSON or form) or a GET with the number
 * and the text, and an API key in a header or the URL. Configured from the environment:
 *
 * ```sh
 * PEYVAND_SMS_URL=https://sms.example.com/v1/send
 * PEYVAND_SMS_HEADERS='{"Authorization": "Bearer ${SMS_TOKEN}"}'   # ${NAME}: another variable
 * PEYVAND_SMS_BODY='{"recipient": "{{to}}", "message": "{{text}}", "ref": "{{key}}"}'
 * ```
 *
 * The body is a template over `{ to, text, key }` whose merge fields are escaped for the body's
 * format — inside JSON strings for JSON, URL-encoded for forms and GET query strings, entity-escaped
 * for XML — so a message can hold quotes, newlines or `&` without changing the request's shape.
 */
import { checkTemplate, renderTemplate, templateNamesFrom, type TemplateMode } from '../../../rules/template.ts';
import { checkUrlSyntax, headerProblem, safeRequest, type HttpPolicy, type HttpResult } from './http-client.ts';

export interface SmsConfig {
  readonly url: string;
  readonly method: 'POST' | 'GET';
  /** Secrets already substituted. */
  readonly headers: Readonly<Record<string, string>>;
  /** Template over { to, text, key }; for GET, the query string. */
  readonly body: string;
}

const DEFAULT_JSON_BODY = '{"to": "{{to}}", "text": "{{text}}"}';
const DEFAULT_QUERY = 'to={{to}}&text={{text}}';
const NAMES = templateNamesFrom(['to', 'text', 'key']);

/** How merge fields are escaped, from the method and the Content-Type; null for a type we cannot escape for. */
export function smsBodyMode(config: Pick<SmsConfig, 'method' | 'headers'>): TemplateMode | null {
  if (config.method === 'GET') return 'url';
  const type = (contentType(config.headers) ?? 'application/json').toLowerCase().split(';')[0]?.trim() ?? '';
  if (type === 'application/json' || type.endsWith('+json')) return 'json-string';
  if (type === 'application/x-www-form-urlencoded') return 'url';
  if (type === 'application/xml' || type === 'text/xml' || type.endsWith('+xml')) return 'html';
  return null;
}

function contentType(headers: Readonly<Record<string, string>>): string | undefined {
  return Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
}

/** `${NAME}` → the variable's value; a missing variable is an error, not an empty string. */
function substitute(text: string, env: Readonly<Record<string, string | undefined>>, where: string): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, name: string) => {
    const value = env[name];
    if (value === undefined || value === '') throw new Error(`${where} refers to \${${name}}, which is not set`);
    return value;
  });
}

/** Null when `PEYVAND_SMS_URL` is unset; throws a readable Error when the configuration is malformed. */
export function smsConfigFromEnv(env: Readonly<Record<string, string | undefined>>): SmsConfig | null {
  const rawUrl = env.PEYVAND_SMS_URL?.trim() ?? '';
  if (rawUrl === '') {
    const stray = ['PEYVAND_SMS_METHOD', 'PEYVAND_SMS_HEADERS', 'PEYVAND_SMS_BODY'].filter((name) => (env[name] ?? '') !== '');
    if (stray.length > 0) throw new Error(`${stray.join(', ')} set but PEYVAND_SMS_URL is not`);
    return null;
  }
  const url = substitute(rawUrl, env, 'PEYVAND_SMS_URL');
  const checked = checkUrlSyntax(url);
  if (!checked.ok) throw new Error(`PEYVAND_SMS_URL: ${checked.error}`);

  const method = (env.PEYVAND_SMS_METHOD?.trim() || 'POST').toUpperCase();
  if (method !== 'POST' && method !== 'GET') throw new Error(`PEYVAND_SMS_METHOD must be POST or GET, not ${method}`);

  const headers: Record<string, string> = {};
  const rawHeaders = env.PEYVAND_SMS_HEADERS?.trim() ?? '';
  if (rawHeaders !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawHeaders);
    } catch {
      throw new Error('PEYVAND_SMS_HEADERS must be a JSON object, e.g. {"Authorization": "Bearer ${SMS_TOKEN}"}');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('PEYVAND_SMS_HEADERS must be a JSON object of strings');
    for (const [name, value] of Object.entries(parsed)) {
      if (typeof value !== 'string') throw new Error(`PEYVAND_SMS_HEADERS: the value of ${name} must be a string`);
      const resolved = substitute(value, env, `PEYVAND_SMS_HEADERS ${name}`);
      const problem = headerProblem(name, resolved);
      if (problem !== null) throw new Error(`PEYVAND_SMS_HEADERS: ${problem}`);
      headers[name] = resolved;
    }
  }

  const mode = smsBodyMode({ method, headers });
  if (mode === null) throw new Error(`PEYVAND_SMS_HEADERS: Content-Type ${contentType(headers)} is not supported; use JSON, a form or XML`);
  if (method === 'POST' && contentType(headers) === undefined) headers['Content-Type'] = 'application/json';
  const body = env.PEYVAND_SMS_BODY?.trim() || (method === 'GET' ? DEFAULT_QUERY : DEFAULT_JSON_BODY);
  const problems = checkTemplate(body, NAMES);
  if (problems.length > 0) throw new Error(`PEYVAND_SMS_BODY: ${problems.join('; ')} (merge fields: {{to}}, {{text}}, {{key}})`);
  proveBody(body, mode);
  return { url, method, headers, body };
}

/** Renders the body with awkward sample values, so a body that would break on real ones fails at start. */
function proveBody(body: string, mode: TemplateMode): void {
  const sample = { to: '+10000000000', text: 'a "quote" \\ & < > \n line', key: 'run:step' };
  const rendered = renderTemplate(body, sample, mode);
  const carries = (value: string) => rendered.includes(renderTemplate('{{v}}', { v: value }, mode));
  if (!carries(sample.to) || !carries(sample.text)) throw new Error('PEYVAND_SMS_BODY must use both {{to}} and {{text}}');
  if (mode === 'json-string') {
    try {
      JSON.parse(rendered);
    } catch {
      throw new Error('PEYVAND_SMS_BODY is not JSON once merged; put each field inside quotes, e.g. {"to": "{{to}}", "text": "{{text}}"}');
    }
  }
}

export interface SmsMessage {
  /** E.164. */
  readonly to: string;
  readonly text: string;
  readonly idempotencyKey: string;
}

/** Sends one message; the provider gets the key as `Idempotency-Key` (and `{{key}}` if the body uses it). */
export function sendSms(config: SmsConfig, policy: HttpPolicy, message: SmsMessage): Promise<HttpResult> {
  const mode = smsBodyMode(config);
  if (mode === null) return Promise.resolve({ ok: false, error: 'the SMS provider configuration has an unsupported Content-Type', retry: false });
  const rendered = renderTemplate(config.body, { to: message.to, text: message.text, key: message.idempotencyKey }, mode);
  const headers = { ...config.headers, 'Idempotency-Key': message.idempotencyKey };
  if (config.method === 'GET') {
    const url = new URL(config.url);
    url.search = url.search === '' ? rendered : `${url.search.slice(1)}&${rendered}`;
    return safeRequest(policy, { url: url.href, method: 'GET', headers });
  }
  return safeRequest(policy, { url: config.url, method: 'POST', headers, body: rendered });
}
