import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../../../rules/template.ts';
import { smsBodyMode, smsConfigFromEnv } from './sms.ts';

const URL_ONLY = { PEYVAND_SMS_URL: 'https://sms.example.com/send' };

function body(env: Record<string, string>, values: { to: string; text: string; key: string }) {
  const config = smsConfigFromEnv(env);
  if (config === null) throw new Error('no config');
  const mode = smsBodyMode(config);
  if (mode === null) throw new Error('no mode');
  return renderTemplate(config.body, values, mode);
}

describe('smsConfigFromEnv', () => {
  it('is null when no URL is set', () => {
    expect(smsConfigFromEnv({})).toBeNull();
    expect(smsConfigFromEnv({ PEYVAND_SMS_URL: '  ' })).toBeNull();
  });

  it('refuses other settings without a URL', () => {
    expect(() => smsConfigFromEnv({ PEYVAND_SMS_BODY: '{{to}}' })).toThrow(/PEYVAND_SMS_BODY set but PEYVAND_SMS_URL is not/);
  });

  it('defaults to a JSON POST', () => {
    expect(smsConfigFromEnv(URL_ONLY)).toEqual({
      url: 'https://sms.example.com/send',
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"to": "{{to}}", "text": "{{text}}"}',
    });
  });

  it('escapes the text inside the JSON body, whatever it holds', () => {
    const text = 'He said "hi" \\ then\nleft; {{to}} </script> \u2028 ☺ سلام';
    const rendered = body(URL_ONLY, { to: '+989123456789', text, key: 'k' });
    expect(JSON.parse(rendered)).toEqual({ to: '+989123456789', text });
  });

  it('cannot be made to add a JSON key by the text', () => {
    const rendered = body(URL_ONLY, { to: '+989123456789', text: 'x", "to": "+15550000000', key: 'k' });
    expect(JSON.parse(rendered)).toEqual({ to: '+989123456789', text: 'x", "to": "+15550000000' });
  });

  it('URL-encodes for GET and forms', () => {
    const get = { ...URL_ONLY, PEYVAND_SMS_METHOD: 'get' };
    expect(body(get, { to: '+98912', text: 'a&b=c d', key: 'k' })).toBe('to=%2B98912&text=a%26b%3Dc%20d');
    const form = { ...URL_ONLY, PEYVAND_SMS_HEADERS: '{"Content-Type": "application/x-www-form-urlencoded"}', PEYVAND_SMS_BODY: 'receptor={{to}}&message={{text}}&ref={{key}}' };
    expect(new URLSearchParams(body(form, { to: '+98912', text: 'a&to=evil', key: 'r:s' })).get('message')).toBe('a&to=evil');
  });

  it('escapes for XML bodies', () => {
    const xml = { ...URL_ONLY, PEYVAND_SMS_HEADERS: '{"Content-Type": "text/xml"}', PEYVAND_SMS_BODY: '<sms><to>{{to}}</to><text>{{text}}</text></sms>' };
    expect(body(xml, { to: '+98912', text: '</text><to>+1</to>', key: 'k' })).toBe('<sms><to>+98912</to><text>&lt;&#x2F;text&gt;&lt;to&gt;+1&lt;&#x2F;to&gt;</text></sms>');
  });

  it('fills ${NAME} in headers and the URL from the environment', () => {
    const config = smsConfigFromEnv({
      PEYVAND_SMS_URL: 'https://api.example.com/v1/${SMS_KEY}/send',
      PEYVAND_SMS_HEADERS: '{"Authorization": "Bearer ${SMS_TOKEN}"}',
      SMS_TOKEN: 's3cret',
      SMS_KEY: 'k1',
    });
    expect(config?.headers).toEqual({ Authorization: 'Bearer s3cret', 'Content-Type': 'application/json' });
    expect(config?.url).toBe('https://api.example.com/v1/k1/send');
  });

  it('explains what is malformed', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ PEYVAND_SMS_HEADERS: '{"Authorization": "Bearer ${SMS_TOKEN}"}' }, /\$\{SMS_TOKEN\}, which is not set/],
      [{ PEYVAND_SMS_HEADERS: 'Authorization: x' }, /must be a JSON object/],
      [{ PEYVAND_SMS_HEADERS: '["x"]' }, /must be a JSON object/],
      [{ PEYVAND_SMS_HEADERS: '{"X": 1}' }, /must be a string/],
      [{ PEYVAND_SMS_HEADERS: '{"X": "a\\r\\nB: c"}' }, /line break/],
      [{ PEYVAND_SMS_HEADERS: '{"Host": "internal"}' }, /set by Peyvand/],
      [{ PEYVAND_SMS_HEADERS: '{"Content-Type": "text/plain"}' }, /text\/plain is not supported/],
      [{ PEYVAND_SMS_METHOD: 'PUT' }, /POST or GET/],
      [{ PEYVAND_SMS_BODY: '{"to": {{to}}, "text": "{{text}}"}' }, /not JSON once merged/],
      [{ PEYVAND_SMS_BODY: '{"to": "{{to}}"}' }, /both \{\{to\}\} and \{\{text\}\}/],
      [{ PEYVAND_SMS_BODY: '{"to": "{{to}}", "text": "{{text}}", "x": "{{secret}}"}' }, /unknown merge field \{\{secret\}\}/],
      [{ PEYVAND_SMS_BODY: '{"to": "{{to}}", "text": "{{#text}}"}' }, /cannot be read/],
      [{ PEYVAND_SMS_URL: 'ftp://sms.example.com/' }, /only http and https/],
      [{ PEYVAND_SMS_URL: 'https://user:pw@sms.example.com/' }, /user name or password/],
    ];
    for (const [env, message] of cases) expect(() => smsConfigFromEnv({ ...URL_ONLY, ...env }), JSON.stringify(env)).toThrow(message);
  });
});
