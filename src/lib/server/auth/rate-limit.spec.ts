import { describe, expect, it } from 'vitest';
import { FailureLimiter } from './rate-limit.ts';

describe('FailureLimiter', () => {
  it('blocks a key after max failures within the window and forgets them after it', () => {
    const limiter = new FailureLimiter({ max: 3, windowMs: 1000 });
    limiter.fail('a', 0);
    limiter.fail('a', 10);
    expect(limiter.isBlocked('a', 20)).toBe(false);
    limiter.fail('a', 30);
    expect(limiter.isBlocked('a', 40)).toBe(true);
    expect(limiter.isBlocked('b', 40)).toBe(false);
    expect(limiter.isBlocked('a', 1_050)).toBe(false);
  });

  it('a success clears the key', () => {
    const limiter = new FailureLimiter({ max: 1, windowMs: 1000 });
    limiter.fail('a', 0);
    expect(limiter.isBlocked('a', 1)).toBe(true);
    limiter.succeed('a');
    expect(limiter.isBlocked('a', 2)).toBe(false);
  });
});
