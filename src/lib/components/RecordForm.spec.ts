/**
 * Server-rendered RecordForm. Rendering .svelte files needs the Svelte Vite plugin in the unit
 * project; without it these tests are skipped (see the note at `loadForm`).
 */
import type { Component } from 'svelte';
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import { b2bEntity, entityOf } from '../forms/pack-fixture.ts';
import type { EntityModel, JsonValue } from '../model/types.ts';

type FormProps = {
  entity: EntityModel;
  mode: 'create' | 'edit';
  values?: Record<string, JsonValue | null>;
  errors?: Record<string, string>;
  locale: 'en' | 'fa' | 'ar';
  calendar: 'gregory' | 'persian' | 'islamic-umalqura';
  timeZone: string;
  action?: string;
  lookup: (entity: string) => string;
  titles?: Record<string, string>;
};

/** Null when .svelte files cannot be compiled here (no `svelte()` plugin in the unit project). */
async function loadForm(): Promise<Component<FormProps> | null> {
  try {
    return ((await import('./RecordForm.svelte')) as { default: Component<FormProps> }).default;
  } catch {
    return null;
  }
}

const RecordForm = await loadForm();

const base = { locale: 'fa', calendar: 'persian', timeZone: 'Asia/Tehran', lookup: (entity: string) => `/e/${entity}/lookup` } as const;

function html(props: Omit<FormProps, keyof typeof base> & Partial<FormProps>): string {
  if (!RecordForm) throw new Error('RecordForm not compiled');
  return render(RecordForm, { props: { ...base, ...props } }).body;
}

/** The opening tag of the form control with this id (attribute values may contain `>`). */
function tagWithId(body: string, id: string): string {
  for (const match of body.matchAll(/<(?:input|select|textarea)\b(?:[^>"]|"[^"]*")*>/g)) {
    if (match[0].includes(` id="${id}"`)) return match[0];
  }
  throw new Error(`no form control with id ${id}`);
}

/** label text → its `for`. */
function labels(body: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const m of body.matchAll(/<label\b[^>]*\bfor="([^"]+)"[^>]*>([\s\S]*?)<\/label>/g)) {
    found.set((m[2] ?? '').replace(/<[^>]+>[^<]*<\/[^>]+>/g, '').replace(/<!--[^>]*-->/g, '').trim(), m[1] ?? '');
  }
  return found;
}

describe.skipIf(RecordForm === null)('RecordForm (server-rendered)', () => {
  const deal = b2bEntity('deal');
  const contact = b2bEntity('contact');

  it('renders Persian labels tied to their inputs, with required markers', () => {
    const body = html({ entity: deal, mode: 'create' });
    const byText = labels(body);
    for (const text of ['عنوان', 'شرکت', 'مرحله', 'مبلغ', 'احتمال', 'تاریخ بستن پیش‌بینی‌شده', 'دلیل شکست']) {
      const id = byText.get(text);
      expect(id, text).toBeTruthy();
      expect(tagWithId(body, id ?? '')).toBeTruthy();
    }
    const title = /<label\b[^>]*>عنوان[\s\S]*?<\/label>/.exec(body)?.[0] ?? '';
    expect(title).toContain('class="required');
    const lost = /<label\b[^>]*>دلیل شکست[\s\S]*?<\/label>/.exec(body)?.[0] ?? '';
    expect(lost).not.toContain('required');
    expect(tagWithId(body, byText.get('عنوان') ?? '')).toContain('aria-required="true"');
    expect(body).toMatch(/<legend[^>]*>جزئیات<\/legend>/);
    expect(body).toContain('method="POST"');
    expect(body).not.toContain('DL-'); // no auto-number on a new record
  });

  it('defaults the money currency to IRR and shows the default stage', () => {
    const body = html({ entity: deal, mode: 'create' });
    const select = /<select\b[^>]*name="amount\.currency"[^>]*>([\s\S]*?)<\/select>/.exec(body)?.[1] ?? '';
    expect(select).toMatch(/<option value="IRR"[^>]*selected/);
    expect(select).not.toMatch(/<option value="USD"[^>]*selected/);
    expect(body).toMatch(/<option value="qualification"[^>]*selected[^>]*>ارزیابی<\/option>/);
  });

  it('keeps email, phone and url inputs left-to-right', () => {
    const body = html({ entity: contact, mode: 'create' });
    const email = tagWithId(body, labels(body).get('ایمیل') ?? '');
    expect(email).toContain('dir="ltr"');
    expect(email).toContain('type="email"');
    expect(email).toContain('name="email"');
    const phone = tagWithId(body, labels(body).get('تلفن همراه') ?? '');
    expect(phone).toContain('dir="ltr"');
    expect(phone).toContain('type="tel"');
  });

  it('shows errors next to the fields with aria-invalid and aria-describedby', () => {
    const body = html({ entity: deal, mode: 'create', errors: { title: 'این فیلد الزامی است.' } });
    const id = labels(body).get('عنوان') ?? '';
    const input = tagWithId(body, id);
    expect(input).toContain('aria-invalid="true"');
    expect(input).toContain(`aria-describedby="${id}-error"`);
    expect(body).toMatch(new RegExp(`<p class="error[^"]*" id="${id}-error">این فیلد الزامی است.</p>`));
    expect(body).toMatch(/<div class="field[^"]*invalid/);
  });

  it('fills an existing record: version, date in the Persian calendar, relation title, auto-number', () => {
    const body = html({
      entity: deal,
      mode: 'edit',
      values: {
        id: '0190c7b4-0000-7000-8000-000000000001',
        version: 4,
        number: 'DL-000042',
        title: 'قرارداد',
        company_id: '0b6f6c2e-8a3d-4a8e-9d2f-3c1e5b7a9f10',
        stage: 'won',
        amount: { amount: '1500000', currency: 'USD' },
        expected_close: '2024-08-02',
      },
      titles: { company_id: 'پارس <b>بزرگ</b>' },
    });
    expect(body).toMatch(/<input type="hidden" name="version" value="4"/);
    expect(body).toContain('value="DL-000042"');
    expect(body).toContain('value="۱۴۰۳/۰۵/۱۲"');
    expect(body).toContain('value="۱۵۰۰۰۰۰"');
    expect(body).toMatch(/<option value="USD"[^>]*selected/);
    expect(body).toMatch(/<input type="hidden" name="company_id" value="0b6f6c2e-8a3d-4a8e-9d2f-3c1e5b7a9f10"/);
    const combobox = tagWithId(body, labels(body).get('شرکت') ?? '');
    expect(combobox).toContain('role="combobox"');
    expect(combobox).toContain('aria-expanded="false"');
    expect(combobox).toMatch(/aria-controls="[^"]+-listbox"/);
    expect(combobox).toContain('value="پارس &lt;b>بزرگ&lt;/b>"');
  });

  it('renders every widget in every locale, each label tied to a control', () => {
    const everything = entityOf({
      properties: {
        name: { type: 'string' },
        notes: { type: 'string', 'x-type': 'long_text' },
        email: { type: 'string', format: 'email' },
        phone: { type: 'string', format: 'phone' },
        site: { type: 'string', format: 'url' },
        count: { type: 'integer' },
        ratio: { type: 'string', format: 'decimal' },
        price: { type: 'object', 'x-type': 'money' },
        share: { type: 'string', format: 'decimal', 'x-type': 'percent' },
        active: { type: 'boolean' },
        born: { type: 'string', format: 'date' },
        meets: { type: 'string', format: 'date-time' },
        stage: { type: 'string', enum: ['open', 'closed'] },
        colours: { type: 'array', items: { type: 'string', enum: ['red', 'green'] } },
        partner: { type: 'string', format: 'uuid', 'x-ref': 'thing' },
        tags: { type: 'array', items: { type: 'string' } },
        code: { type: 'string', 'x-type': 'auto_number', 'x-format': 'T-{0000}' },
      },
    });
    const values = {
      count: 1250,
      ratio: '12.5',
      active: true,
      meets: '2024-03-09T11:00:00.000Z',
      colours: ['green'],
      tags: ['a', 'b'],
      code: 'T-0007',
      price: { amount: '10', currency: 'SAR' },
    };
    for (const [locale, calendar] of [
      ['en', 'gregory'],
      ['fa', 'persian'],
      ['ar', 'islamic-umalqura'],
    ] as const) {
      const body = html({ entity: everything, mode: 'edit', values, locale, calendar, timeZone: 'Asia/Tehran' });
      for (const id of labels(body).values()) expect(tagWithId(body, id)).toBeTruthy();
      expect(body).toMatch(/<fieldset\b[^>]*id="[^"]+-colours-group"/);
      expect(body).toMatch(/<legend[^>]*>colours/i);
      expect(body).toContain('name="active.present"');
      expect(body).toContain('name="colours.present"');
      expect(body).toMatch(/<input type="checkbox"[^>]*name="colours" value="green" checked/);
      expect(body).toMatch(/<input type="checkbox"[^>]*name="active" value="on" checked/);
      expect(body).toContain('value="2024-03-09T14:30"');
      expect(body).toMatch(/<option value="SAR"[^>]*selected/);
    }
    const ar = html({ entity: everything, mode: 'edit', values, locale: 'ar', calendar: 'gregory', timeZone: 'UTC' });
    expect(ar).toContain('value="١٢٥٠"');
    expect(ar).toContain('value="١٢٫٥"');
    expect(ar).toContain('value="a، b"');
  });

  it('never turns a label into markup', () => {
    const hostile = entityOf({
      title: 'Thing',
      'x-labels': { fa: 'چیز' },
      properties: {
        name: { type: 'string', title: '<script>alert(1)</script>', 'x-help': { en: '<img src=x onerror=alert(1)>' } },
        kind: { type: 'string', enum: ['a'], 'x-options': { a: { en: '<b>A</b>' } } },
      },
    });
    const body = html({ entity: hostile, mode: 'create', locale: 'en', calendar: 'gregory', timeZone: 'UTC' });
    expect(body).not.toContain('<script>');
    expect(body).not.toContain('<img');
    expect(body).not.toContain('<b>A</b>');
    expect(body).toContain('&lt;script>alert(1)&lt;/script>');
    expect(body).toContain('&lt;b>A&lt;/b>');
  });
});
