/**
 * Calls a URL with the run's data:
 * `{ "type": "call_webhook", "url": "https://hooks.example.com/deals", "headers": { "Authorization": "Bearer …" },
 *    "body": "{\"deal\": \"{{record.title}}\", \"stage\": \"{{record.stage}}\"}" }`.
 *
 * The URL is static (checked when the workflow is saved, and again at each call against the outbound
 * policy: no private addresses). A JSON body is a JSON document whose strings hold the merge fields:
 * each string is merged on its own and the document is re-serialised, so a value with quotes cannot
 * change the document's shape; merged values are therefore always strings. A form body works the
 * same way per field; any other Content-Type gets the template merged as plain text. Without a body,
 * the run's record, old values and event are sent as JSON. Every call carries the step's
 * `Idempotency-Key`.
 */
import type { JsonObject, JsonValue } from '../../../model/types.ts';
import type { ActionCheckContext, ActionContext, ActionIssue, ActionType } from '../action-type.ts';
import { checkUrlSyntax, headerProblem, safeRequest, type HttpMethod } from '../outbound/http-client.ts';

const METHODS = ['POST', 'PUT', 'PATCH', 'GET'] as const satisfies readonly HttpMethod[];
const MAX_HEADERS = 30;
const MAX_OUTPUT_BODY = 2048;
const MAX_DEPTH = 32;

type BodyKind = 'json' | 'form' | 'text';

function settingHeaders(settings: JsonObject): Readonly<Record<string, JsonValue>> {
  const headers = settings.headers;
  return headers !== null && typeof headers === 'object' && !Array.isArray(headers) ? (headers as JsonObject) : {};
}

function bodyKind(settings: JsonObject): BodyKind {
  const type = Object.entries(settingHeaders(settings)).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
  if (typeof type !== 'string') return 'json';
  const media = type.toLowerCase().split(';')[0]?.trim() ?? '';
  if (media === 'application/json' || media.endsWith('+json')) return 'json';
  if (media === 'application/x-www-form-urlencoded') return 'form';
  return 'text';
}

function methodOf(settings: JsonObject): HttpMethod | null {
  const method = settings.method ?? 'POST';
  return METHODS.find((known) => known === method) ?? null;
}

function tooDeep(value: JsonValue, depth = 0): boolean {
  if (value === null || typeof value !== 'object') return false;
  return depth >= MAX_DEPTH || Object.values(value).some((item: JsonValue) => tooDeep(item, depth + 1));
}

/** Applies `merge` to every string of a JSON document (keys are left as written). */
function mapStrings(value: JsonValue, merge: (text: string) => string): JsonValue {
  if (typeof value === 'string') return merge(value);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return (value as readonly JsonValue[]).map((item) => mapStrings(item, merge));
  const out: Record<string, JsonValue> = {};
  for (const [key, item] of Object.entries(value as JsonObject)) {
    // defineProperty: a "__proto__" key stays a key.
    Object.defineProperty(out, key, { value: mapStrings(item, merge), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function checkBody(source: string, kind: BodyKind, ctx: ActionCheckContext): ActionIssue[] {
  const issue = (message: string) => ({ pointer: '/body', message });
  if (kind === 'text') return ctx.checkTemplate(source).map(issue);
  if (kind === 'form') {
    const issues: ActionIssue[] = [];
    for (const [name, value] of new URLSearchParams(source)) {
      if (name.includes('{{')) issues.push(issue(`merge fields are not allowed in form field names (${name})`));
      issues.push(...ctx.checkTemplate(value).map(issue));
    }
    return issues;
  }
  let document: JsonValue;
  try {
    document = JSON.parse(source) as JsonValue;
  } catch {
    return [issue('a JSON body must be a JSON document whose strings hold the merge fields, e.g. {"name": "{{record.full_name}}"}')];
  }
  if (tooDeep(document)) return [issue(`the body is nested deeper than ${MAX_DEPTH} levels`)];
  const issues: ActionIssue[] = [];
  mapStrings(document, (text) => {
    issues.push(...ctx.checkTemplate(text).map(issue));
    return text;
  });
  const keys = (value: JsonValue): void => {
    if (value === null || typeof value !== 'object') return;
    for (const [key, item] of Object.entries(value)) {
      if (!Array.isArray(value) && key.includes('{{')) issues.push(issue(`merge fields are not allowed in JSON keys (${key.slice(0, 40)})`));
      keys(item);
    }
  };
  keys(document);
  return issues;
}

function renderBody(source: string, kind: BodyKind, ctx: ActionContext): { readonly ok: true; readonly body: string } | { readonly ok: false; readonly error: string } {
  const merge = (text: string) => ctx.render(text);
  if (kind === 'text') return { ok: true, body: merge(source) };
  if (kind === 'form') {
    const out = new URLSearchParams();
    for (const [name, value] of new URLSearchParams(source)) out.append(name, merge(value));
    return { ok: true, body: out.toString() };
  }
  let document: JsonValue;
  try {
    document = JSON.parse(source) as JsonValue;
  } catch {
    return { ok: false, error: 'the body is not a JSON document' };
  }
  if (tooDeep(document)) return { ok: false, error: `the body is nested deeper than ${MAX_DEPTH} levels` };
  return { ok: true, body: JSON.stringify(mapStrings(document, merge)) };
}

/** The run's data as JSON; objects merge as JSON text (see renderTemplate). */
function defaultBody(ctx: ActionContext): string {
  const part = (name: string): JsonValue => {
    try {
      return JSON.parse(ctx.render(`{{${name}}}`)) as JsonValue;
    } catch {
      return null;
    }
  };
  return JSON.stringify({
    workflow: ctx.workflow.name,
    runId: ctx.runId,
    stepId: ctx.stepId,
    recordId: ctx.recordId,
    record: part('record'),
    old: part('old'),
    event: part('event'),
  });
}

export const callWebhookAction: ActionType = {
  name: 'call_webhook',
  effect: 'external',
  label: { en: 'Call a webhook', fa: 'فراخوانی وب‌هوک', ar: 'استدعاء webhook' },
  secretKeys: ['headers'],
  check(settings, ctx) {
    const issues: ActionIssue[] = [];
    if (typeof settings.url !== 'string') {
      issues.push({ pointer: '/url', message: 'url is required' });
    } else if (settings.url.includes('{{')) {
      issues.push({ pointer: '/url', message: 'the URL is fixed; merge fields belong in the body or headers' });
    } else {
      const url = checkUrlSyntax(settings.url);
      if (!url.ok) issues.push({ pointer: '/url', message: url.error });
    }
    const method = methodOf(settings);
    if (method === null) issues.push({ pointer: '/method', message: `method must be one of ${METHODS.join(', ')}` });
    const rawHeaders = settings.headers;
    if (rawHeaders !== undefined && (rawHeaders === null || typeof rawHeaders !== 'object' || Array.isArray(rawHeaders))) {
      issues.push({ pointer: '/headers', message: 'headers must be an object of templates' });
    }
    const headers = Object.entries(settingHeaders(settings));
    if (headers.length > MAX_HEADERS) issues.push({ pointer: '/headers', message: `at most ${MAX_HEADERS} headers` });
    for (const [name, value] of headers) {
      const pointer = `/headers/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      const problem = name.toLowerCase() === 'idempotency-key' ? 'the Idempotency-Key header is set by Peyvand' : headerProblem(name, '');
      if (problem !== null) issues.push({ pointer, message: problem });
      if (typeof value !== 'string') issues.push({ pointer, message: 'a header value must be a template' });
      else issues.push(...ctx.checkTemplate(value).map((message) => ({ pointer, message })));
    }
    if (settings.body !== undefined) {
      if (typeof settings.body !== 'string') issues.push({ pointer: '/body', message: 'body must be a template' });
      else if (method === 'GET') issues.push({ pointer: '/body', message: 'a GET request has no body' });
      else issues.push(...checkBody(settings.body, bodyKind(settings), ctx));
    }
    return issues;
  },
  prepare(settings, ctx) {
    const method = methodOf(settings);
    if (method === null) return { ok: false, error: `method must be one of ${METHODS.join(', ')}` };
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(settingHeaders(settings))) {
      const merged = ctx.render(String(value));
      const problem = headerProblem(name, merged);
      if (problem !== null) return { ok: false, error: `${problem} once the record is merged` };
      headers[name] = merged;
    }
    let body: string | null = null;
    if (method !== 'GET') {
      if (typeof settings.body === 'string') {
        const rendered = renderBody(settings.body, bodyKind(settings), ctx);
        if (!rendered.ok) return rendered;
        body = rendered.body;
      } else {
        body = defaultBody(ctx);
      }
      if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
    }
    return { ok: true, request: { url: String(settings.url), method, headers, body } };
  },
  async perform(request, ctx) {
    const method = METHODS.find((known) => known === request.method) ?? 'POST';
    const headers: Record<string, string> = {};
    const given = request.headers;
    if (given !== null && typeof given === 'object' && !Array.isArray(given)) {
      for (const [name, value] of Object.entries(given)) if (typeof value === 'string') headers[name] = value;
    }
    headers['Idempotency-Key'] = ctx.idempotencyKey;
    const result = await safeRequest(ctx.services.http, {
      url: String(request.url),
      method,
      headers,
      body: typeof request.body === 'string' ? request.body : null,
    });
    if (!result.ok) return { status: 'error', error: result.error, retry: result.retry };
    return { status: 'ok', output: { status: result.status, body: result.body.slice(0, MAX_OUTPUT_BODY) } };
  },
};
