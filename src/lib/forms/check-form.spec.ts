import { describe, expect, it } from 'vitest';
import { validateRecord } from '../records/validate-record.ts';
import { checkForm } from './check-form.ts';
import { fieldIssueMessage, formIssueMessage } from './issue-messages.ts';
import { b2bEntity, entityOf, formData } from './pack-fixture.ts';

const deal = b2bEntity('deal');
const contact = b2bEntity('contact');
const fa = { locale: 'fa', calendar: 'persian', timeZone: 'Asia/Tehran' } as const;

describe('checkForm', () => {
  it('gives one Persian message per field for missing, unreadable and invalid values', () => {
    const check = checkForm({
      entity: deal,
      data: formData({ title: 'x'.repeat(201), company_id: '', stage: 'proposal', expected_close: '1402/12/30', 'amount.amount': 'abc', 'amount.currency': 'IRR' }),
      mode: 'create',
      ...fa,
    });
    expect(check.ok).toBe(false);
    expect(check.errors).toEqual({
      title: 'حداکثر ۲۰۰ کاراکتر مجاز است.',
      company_id: 'این فیلد الزامی است.',
      expected_close: 'این روز در تقویم شمسی (هجری خورشیدی) وجود ندارد.',
      amount: 'یک عدد وارد کنید، مثلاً ۱۲٫۵.',
    });
  });

  it('accepts a good form and returns its values and version', () => {
    const check = checkForm({
      entity: contact,
      data: formData({ full_name: 'سارا محمدی', email: 'sara@example.com', phone: '09123456789', version: '2' }),
      mode: 'edit',
      ...fa,
    });
    expect(check).toMatchObject({ ok: true, errors: {}, version: 2, values: { full_name: 'سارا محمدی', email: 'sara@example.com', phone: '+989123456789' } });
  });

  it('maps format errors to the field type message in Arabic', () => {
    const check = checkForm({ entity: contact, data: formData({ full_name: 'x', email: 'nope' }), mode: 'create', locale: 'ar', calendar: 'gregory', timeZone: 'Asia/Riyadh' });
    expect(check.errors).toEqual({ email: 'أدخل بريدًا إلكترونيًا مثل name@example.com.' });
  });
});

describe('issue messages', () => {
  it('localises validateRecord issues by their code, with numbers in the locale', () => {
    const thing = entityOf({
      properties: { n: { type: 'integer', minimum: 5 }, items: { type: 'array', items: { type: 'string', enum: ['a', 'b'] }, maxItems: 1 } },
    });
    const result = validateRecord(thing, { n: 2, items: ['a', 'b'] }, 'update', { withCodes: true });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => fieldIssueMessage('fa', i))).toEqual(['باید دست‌کم ۵ باشد.', 'حداکثر ۱ مورد انتخاب کنید.']);
  });

  it('keeps validateRecord issues unchanged unless codes are asked for', () => {
    const result = validateRecord(contact, { email: 'nope' }, 'update');
    expect(result).toEqual({ ok: false, issues: [{ path: '/email', field: 'email', message: 'email is not a valid email' }] });
    if (!result.ok) expect(result.issues[0] && fieldIssueMessage('fa', result.issues[0])).toBe('email is not a valid email');
  });

  it('names the calendar in the user language', () => {
    expect(formIssueMessage('en', { key: 'validation.notInCalendar', params: { calendar: 'islamic-umalqura' } })).toBe(
      'This day does not exist in the Islamic (Umm al-Qura) calendar.',
    );
  });
});
