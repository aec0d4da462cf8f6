import { describe, expect, it } from 'vitest';
import { decodeForm, parseCalendarDateText } from './decode-form.ts';
import { b2bEntity, entityOf, formData } from './pack-fixture.ts';

const everything = entityOf({
  properties: {
    name: { type: 'string', maxLength: 20 },
    notes: { type: 'string', 'x-type': 'long_text' },
    email: { type: 'string', format: 'email' },
    phone: { type: 'string', format: 'phone' },
    site: { type: 'string', format: 'url' },
    count: { type: 'integer' },
    ratio: { type: 'string', format: 'decimal', 'x-scale': 2 },
    price: { type: 'object', 'x-type': 'money', 'x-currencies': ['IRR', 'USD'], 'x-default-currency': 'IRR' },
    share: { type: 'string', format: 'decimal', 'x-type': 'percent' },
    active: { type: 'boolean' },
    born: { type: 'string', format: 'date' },
    meets: { type: 'string', format: 'date-time' },
    stage: { type: 'string', enum: ['open', 'closed'] },
    colours: { type: 'array', items: { type: 'string', enum: ['red', 'green', 'blue'] } },
    partner: { type: 'string', format: 'uuid', 'x-ref': 'thing' },
    tags: { type: 'array', items: { type: 'string' } },
    code: { type: 'string', 'x-type': 'auto_number', 'x-format': 'T-{0000}' },
  },
});

const fa = { calendar: 'persian', timeZone: 'Asia/Tehran' } as const;
const gregorian = { calendar: 'gregory', timeZone: 'UTC' } as const;

describe('decodeForm', () => {
  it('reads each field type from its inputs', () => {
    const data = formData({
      name: '  Sara  ',
      notes: 'line 1\r\nline 2',
      email: 'Sara@Example.COM',
      phone: '۰۹۱۲ ۳۴۵ ۶۷۸۹',
      site: 'www.example.com',
      count: '۱٬۲۵۰',
      ratio: '۱۲٫۵',
      'price.amount': '1,500,000',
      'price.currency': 'IRR',
      share: '٪۱۲٫۵',
      active: 'on',
      'active.present': '1',
      born: '۱۴۰۳/۰۵/۱۲',
      meets: '2024-03-09T14:30',
      stage: 'open',
      colours: ['red', 'blue'],
      'colours.present': '1',
      partner: '0B6F6C2E-8A3D-4A8E-9D2F-3C1E5B7A9F10',
      tags: 'vip، tehran; vip, b2b',
      code: 'T-9999',
    });
    const { values, issues } = decodeForm(everything, data, fa, 'create');
    expect(issues).toEqual([]);
    expect(values).toEqual({
      name: 'Sara',
      notes: 'line 1\nline 2',
      email: 'Sara@example.com',
      phone: '+989123456789',
      site: 'https://www.example.com',
      count: 1250,
      ratio: '12.50',
      price: { amount: '1500000', currency: 'IRR' },
      share: '12.5',
      active: true,
      born: '2024-08-02',
      meets: '2024-03-09T11:00:00.000Z',
      stage: 'open',
      colours: ['red', 'blue'],
      partner: '0b6f6c2e-8a3d-4a8e-9d2f-3c1e5b7a9f10',
      tags: ['vip', 'tehran', 'b2b'],
    });
  });

  it('converts a Persian-calendar date, also with Arabic digits and dashes, and refuses a day that does not exist', () => {
    expect(decodeForm(everything, formData({ born: '١٤٠٣-١٢-٣٠' }), fa, 'edit').values).toEqual({ born: '2025-03-20' });
    const wrong = decodeForm(everything, formData({ born: '1402/12/30' }), fa, 'edit');
    expect(wrong.values).toEqual({});
    expect(wrong.issues).toEqual([{ field: 'born', key: 'validation.notInCalendar', params: { calendar: 'persian' } }]);
    expect(decodeForm(everything, formData({ born: '2024-08-02' }), gregorian, 'edit').values).toEqual({ born: '2024-08-02' });
    expect(decodeForm(everything, formData({ born: 'tomorrow' }), fa, 'edit').issues).toEqual([{ field: 'born', key: 'validation.notDate', params: {} }]);
    expect(parseCalendarDateText('1446/01/27', 'islamic-umalqura')).toEqual({ ok: true, value: '2024-08-02' });
  });

  it('reads money from amount and currency, defaulting the currency and refusing one not allowed', () => {
    const read = (entries: Record<string, string>) => decodeForm(everything, formData(entries), gregorian, 'edit');
    expect(read({ 'price.amount': '۲۵۰۰۰۰۰۰۰۰۰' }).values).toEqual({ price: { amount: '25000000000', currency: 'IRR' } });
    expect(read({ 'price.amount': '12.5', 'price.currency': 'usd' }).values).toEqual({ price: { amount: '12.5', currency: 'USD' } });
    expect(read({ 'price.amount': '', 'price.currency': 'USD' }).values).toEqual({ price: null });
    expect(read({ 'price.amount': '12', 'price.currency': 'EUR' }).issues).toEqual([{ field: 'price', key: 'validation.currency', params: {} }]);
    expect(read({ 'price.amount': '12,5', 'price.currency': 'USD' }).issues).toEqual([{ field: 'price', key: 'validation.notNumber', params: {} }]);
  });

  it('tells an unchecked box (false) from a box that was not in the form', () => {
    expect(decodeForm(everything, formData({ 'active.present': '1' }), gregorian, 'edit').values).toEqual({ active: false });
    expect(decodeForm(everything, formData({ 'active.present': '1', active: 'on' }), gregorian, 'edit').values).toEqual({ active: true });
    expect(decodeForm(everything, formData({}), gregorian, 'edit').values).toEqual({});
    expect(decodeForm(everything, formData({ 'colours.present': '1' }), gregorian, 'edit').values).toEqual({ colours: null });
  });

  it('returns only the fields in the form in edit mode; empty inputs clear', () => {
    const { values, issues } = decodeForm(everything, formData({ name: ' ', stage: '', count: '7' }), gregorian, 'edit');
    expect(issues).toEqual([]);
    expect(values).toEqual({ name: null, stage: null, count: 7 });
  });

  it('leaves empty inputs out in create mode, so that defaults apply', () => {
    expect(decodeForm(everything, formData({ name: ' ', stage: '', count: '7' }), gregorian, 'create').values).toEqual({ count: 7 });
  });

  it('reports unreadable input per field with a message key', () => {
    const { values, issues } = decodeForm(
      everything,
      formData({
        email: 'not an email',
        phone: '12',
        site: 'javascript:alert(1)',
        count: '1.5',
        ratio: '1.234',
        share: '%%',
        meets: '2024-02-30T10:00',
        stage: 'maybe',
        colours: ['red', 'pink'],
        partner: 'acme',
      }),
      gregorian,
      'edit',
    );
    expect(values).toEqual({});
    expect(Object.fromEntries(issues.map((i) => [i.field, i.key]))).toEqual({
      email: 'validation.email',
      phone: 'validation.phone',
      site: 'validation.url',
      count: 'validation.notInteger',
      ratio: 'validation.tooManyDigits',
      share: 'validation.notNumber',
      meets: 'validation.notDateTime',
      stage: 'validation.option',
      colours: 'validation.option',
      partner: 'validation.relation',
    });
    expect(issues.find((i) => i.field === 'ratio')?.params).toEqual({ integer: 28, fraction: 2 });
  });

  it('never reads a read-only field, and reads the version', () => {
    const { values, version } = decodeForm(everything, formData({ code: 'T-0001', version: '۳' }), gregorian, 'edit');
    expect(values).toEqual({});
    expect(version).toBe(3);
    expect(decodeForm(everything, formData({ version: 'x' }), gregorian, 'edit').version).toBeNull();
  });

  it('reads a datetime-local value in the user zone, across a clock change', () => {
    const read = (text: string, timeZone: string) => decodeForm(everything, formData({ meets: text }), { calendar: 'gregory', timeZone }, 'edit').values.meets;
    expect(read('2024-07-01T09:00', 'America/New_York')).toBe('2024-07-01T13:00:00.000Z');
    expect(read('2024-01-01T09:00', 'America/New_York')).toBe('2024-01-01T14:00:00.000Z');
    expect(read('۲۰۲۴-۰۳-۰۹T۱۴:۳۰:۱۵', 'Asia/Tehran')).toBe('2024-03-09T11:00:15.000Z');
  });

  it('decodes the b2b-sales deal form as posted', () => {
    const deal = b2bEntity('deal');
    const { values, issues } = decodeForm(
      deal,
      formData({
        title: 'قرارداد پارس',
        company_id: '0b6f6c2e-8a3d-4a8e-9d2f-3c1e5b7a9f10',
        contact_id: '',
        stage: 'proposal',
        'amount.amount': '۱۵۰٬۰۰۰٬۰۰۰',
        'amount.currency': 'IRR',
        probability: '۴۰',
        expected_close: '۱۴۰۳/۰۶/۳۱',
        lost_reason: '',
      }),
      fa,
      'create',
    );
    expect(issues).toEqual([]);
    expect(values).toEqual({
      title: 'قرارداد پارس',
      company_id: '0b6f6c2e-8a3d-4a8e-9d2f-3c1e5b7a9f10',
      stage: 'proposal',
      amount: { amount: '150000000', currency: 'IRR' },
      probability: '40',
      expected_close: '2024-09-21',
    });
  });
});
