import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { generateToken, hashToken } from './tokens.ts';

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
