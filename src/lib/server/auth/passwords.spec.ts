import { describe, expect, it } from 'vitest';
import { checkPassword, generatePassword, hashPassword, MAX_PASSWORD_LENGTH, verifyPassword } from './passwords.ts';

describe('passwords', () => {
  it('hashes with argon2id and verifies only the right password', async () => {
    const result = await hashPassword('correct horse battery');
    if (!result.ok) throw new Error(result.error.message);
    expect(result.hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(result.hash, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(result.hash, 'correct horse batterY')).toBe(false);
  });

  it('salts each hash', async () => {
    const [a, b] = await Promise.all([hashPassword('same password'), hashPassword('same password')]);
    expect(a.ok && b.ok && a.hash !== b.hash).toBe(true);
  });

  it('refuses a password shorter than 10 characters with an error value', async () => {
    expect(await hashPassword('123456789')).toEqual({ ok: false, error: { code: 'password-too-short', message: expect.stringContaining('10') } });
    expect(checkPassword('1234567890')).toBeNull();
  });

  it('counts characters, not UTF-16 units', () => {
    expect(checkPassword('😀'.repeat(9))?.code).toBe('password-too-short');
  });

  it('refuses an over-long password and never verifies one', async () => {
    const long = 'x'.repeat(MAX_PASSWORD_LENGTH + 1);
    expect(checkPassword(long)?.code).toBe('password-too-long');
    expect(await verifyPassword('$argon2id$v=19$m=19456,t=2,p=1$AAAA$AAAA', long)).toBe(false);
  });

  it('answers false for a hash that does not parse', async () => {
    expect(await verifyPassword('not a hash', 'whatever password')).toBe(false);
  });

  it('generates 20-character passwords from the unambiguous alphabet', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const password = generatePassword();
      expect(password).toMatch(/^[2-9A-HJ-NP-Za-km-z]{20}$/);
      expect(checkPassword(password)).toBeNull();
      seen.add(password);
    }
    expect(seen.size).toBe(200);
  });
});
