import { describe, expect, it } from 'vitest';
import { checkEmail, createSmtpMailer, domainOf, isEmailAddress, MailError, MemoryMailer, messageIdFor, parseAddressList, type OutgoingEmail } from './mailer.ts';

const email: OutgoingEmail = { from: 'crm@example.com', to: ['ana@example.com'], subject: 'Hi', text: 'Hello', messageId: messageIdFor('run-1:step-1', 'example.com') };

describe('addresses', () => {
  it('reads comma- and semicolon-separated lists, dropping blanks and duplicates', () => {
    expect(parseAddressList(' ana@example.com, bo@example.org;ana@example.com ,, ')).toEqual({ ok: true, addresses: ['ana@example.com', 'bo@example.org'] });
    expect(parseAddressList('')).toEqual({ ok: true, addresses: [] });
  });

  it('refuses line breaks (header injection) and anything that is not a bare address', () => {
    expect(parseAddressList('ana@example.com\r\nBcc: all@example.com')).toMatchObject({ ok: false, error: expect.stringMatching(/line break/) });
    expect(parseAddressList('ana@example.com\nbo@example.com')).toMatchObject({ ok: false });
    for (const bad of ['Ana <ana@example.com>', 'ana', 'ana@', '@example.com', 'ana@example', 'a b@example.com', 'ana@exa_mple.com', '.ana@example.com', 'a..b@example.com']) {
      expect(isEmailAddress(bad), bad).toBe(false);
    }
    expect(isEmailAddress('ana.bo+crm@mail.example.co.uk')).toBe(true);
    expect(isEmailAddress('علی@مثال.ایران')).toBe(true);
  });

  it('caps the number of recipients', () => {
    const many = Array.from({ length: 51 }, (_, i) => `u${i}@example.com`).join(',');
    expect(parseAddressList(many)).toMatchObject({ ok: false, error: 'more than 50 recipients' });
  });

  it('finds the domain of a sender, with or without a display name', () => {
    expect(domainOf('crm@Example.com')).toBe('example.com');
    expect(domainOf('"Peyvand CRM" <noreply@crm.example.org>')).toBe('crm.example.org');
    expect(domainOf('nobody')).toBeNull();
  });
});

describe('messageIdFor', () => {
  it('is the same for the same key and different for another', () => {
    expect(messageIdFor('run-1:step-1', 'example.com')).toBe(messageIdFor('run-1:step-1', 'example.com'));
    expect(messageIdFor('run-1:step-1', 'example.com')).not.toBe(messageIdFor('run-1:step-2', 'example.com'));
    expect(messageIdFor('run-1:step-1', 'example.com')).toMatch(/^<[0-9a-f]{40}\.peyvand@example\.com>$/);
  });

  it('never carries the key or a bad domain into the header', () => {
    expect(messageIdFor('a\r\nBcc: x@example.com', 'bad domain\r\n')).toMatch(/^<[0-9a-f]{40}\.peyvand@peyvand\.invalid>$/);
    expect(messageIdFor('k', null)).toMatch(/@peyvand\.invalid>$/);
  });
});

describe('checkEmail', () => {
  it('refuses CR/LF in every header value', () => {
    const cases: Partial<OutgoingEmail>[] = [
      { subject: 'Hi\r\nBcc: all@example.com' },
      { subject: 'Hi\nX: y' },
      { from: 'crm@example.com\r\nBcc: x@example.com' },
      { messageId: '<a@b>\r\nX: y' },
      { headers: { 'X-Tag': 'a\r\nBcc: x@example.com' } },
      { headers: { 'X Tag': 'a' } },
      { to: ['ana@example.com\r\nBcc: x@example.com'] },
      { cc: ['x@example.com\n'] },
    ];
    for (const change of cases) expect(() => checkEmail({ ...email, ...change }), JSON.stringify(change)).toThrow(MailError);
  });

  it('refuses an email with no recipient', () => {
    expect(() => checkEmail({ ...email, to: [] })).toThrow(/no recipient/);
  });
});

describe('MemoryMailer', () => {
  it('keeps what it sends and answers like a server', async () => {
    const mailer = new MemoryMailer();
    const receipt = await mailer.send({ ...email, cc: ['bo@example.com'] });
    expect(receipt).toEqual({ messageId: email.messageId, accepted: ['ana@example.com', 'bo@example.com'], rejected: [] });
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]?.subject).toBe('Hi');
  });

  it('refuses what the SMTP mailer refuses', async () => {
    const mailer = new MemoryMailer();
    await expect(mailer.send({ ...email, subject: 'a\r\nb' })).rejects.toMatchObject({ retry: false });
    expect(mailer.sent).toHaveLength(0);
  });
});

describe('createSmtpMailer', () => {
  it('takes only smtp and smtps URLs', () => {
    expect(() => createSmtpMailer('http://mail.example.com')).toThrow(/smtp:\/\/ or smtps:\/\//);
    expect(() => createSmtpMailer('not a url')).toThrow(/not a URL/);
  });
});
