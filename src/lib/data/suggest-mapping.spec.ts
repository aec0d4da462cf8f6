import { describe, expect, it } from 'vitest';
import { dataFixtureModel } from './data-fixture.ts';
import { foldHeader, suggestColumns } from './suggest-mapping.ts';

const { contact } = dataFixtureModel();

describe('suggestColumns', () => {
  it('matches names and labels whatever the case, spacing, underscores or camelCase', () => {
    const m = suggestColumns(contact, ['FULL_NAME', 'E-mail', 'Mobile', 'birthDay', 'Company', 'unrelated']);
    expect(Object.fromEntries(m)).toEqual({ FULL_NAME: 'full_name', 'E-mail': 'email', Mobile: 'phone', birthDay: 'birthday', Company: 'company_id', unrelated: null });
  });

  it('matches Persian and Arabic labels across letter forms and the half-space', () => {
    const m = suggestColumns(contact, ['نام‌کامل', 'ايميل', 'تلفن همراه', 'البريد الإلكتروني', 'شركت']);
    expect(m.get('نام‌کامل')).toBe('full_name'); // ZWNJ instead of a space
    expect(m.get('ايميل')).toBe('email'); // Arabic yeh
    expect(m.get('تلفن همراه')).toBe('phone');
    expect(m.get('البريد الإلكتروني')).toBeNull(); // email is already taken by the earlier, equally good column
    expect(m.get('شركت')).toBe('company_id'); // Arabic kaf
  });

  it('reads "Object: Field" headers and never suggests computed fields', () => {
    const m = suggestColumns(contact, ['Contact: Email', 'Number', 'Contact: Full Name']);
    expect(m.get('Contact: Email')).toBe('email');
    expect(m.get('Contact: Full Name')).toBe('full_name');
    expect(m.get('Number')).toBeNull();
  });

  it('suggests each field once, for the best column', () => {
    const m = suggestColumns(contact, ['Email address', 'email']);
    expect(m.get('email')).toBe('email');
    expect(m.get('Email address')).toBeNull();
  });

  it('folds headers', () => {
    expect(foldHeader(' Full-Name ')).toBe('full name');
    expect(foldHeader('firstName')).toBe('first name');
  });
});
