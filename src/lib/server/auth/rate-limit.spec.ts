import { describe, expect, it } from 'vitest';
import { minutesToWait } from './rate-limit.ts';

// The limiter itself runs against both databases in tests/security/sign-in-brute-force.int.spec.ts.
describe('minutesToWait', () => {
  it('rounds up, and never says zero', () => {
    expect(minutesToWait(1)).toBe(1);
    expect(minutesToWait(60)).toBe(1);
    expect(minutesToWait(61)).toBe(2);
    expect(minutesToWait(599)).toBe(10);
    expect(minutesToWait(0)).toBe(1);
  });
});
