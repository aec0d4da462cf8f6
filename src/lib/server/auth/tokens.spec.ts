import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { generateToken, grantableScopes, hashToken, parseTokenScopes } from './tokens.ts';

describe('token secrets', () => {
  it('are pvd_ plus 32 random bytes in base64url', () => {
    const token = generateToken();
    expect(token).toMatch(/^pvd_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token.slice(4), 'base64url')).toHaveLength(32);
    expect(generateToken()).not.toBe(token);
  });

  it('are stored as the SHA-256 hex of the whole token', () => {
    const token = generateToken();
    expect(hashToken(token)).toBe(createHash('sha256').update(token).digest('hex'));
    expect(hashToken(token)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('token scopes', () => {
  it('parse from a list or a comma-separated flag, deduplicated in canonical order', () => {
    expect(parseTokenScopes(['export', 'read', 'export'])).toEqual({ ok: true, scopes: ['read', 'export'] });
    expect(parseTokenScopes(' write , read ')).toEqual({ ok: true, scopes: ['read', 'write'] });
  });

  it('refuse nothing, unknown names and non-lists', () => {
    for (const value of [[], '', ' , ', ['read', 'sudo'], 42, null, { read: true }, [1]]) expect(parseTokenScopes(value), JSON.stringify(value)).toMatchObject({ ok: false });
  });

  it('are never granted wider than the asking token', () => {
    expect(grantableScopes(['read'], ['read', 'admin'])).toMatchObject({ ok: false });
    expect(grantableScopes(['read', 'admin'], null)).toEqual({ ok: true, scopes: ['read', 'admin'] });
    expect(grantableScopes(null, ['export'])).toEqual({ ok: true, scopes: ['export'] });
  });
});
