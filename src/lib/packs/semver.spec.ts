import { describe, expect, it } from 'vitest';
import { compareVersions, isVersionRange, satisfies } from './semver.ts';

describe('semver for packs', () => {
  it('checks versions against ranges', () => {
    expect(satisfies('1.4.0', '^1.2.0')).toBe(true);
    expect(satisfies('2.0.0', '^1.2.0')).toBe(false);
    expect(satisfies('0.1.5', '>=0.1.0 <0.2.0')).toBe(true);
    expect(satisfies('0.2.0', '>=0.1.0 <0.2.0')).toBe(false);
    expect(satisfies('1.2.9', '~1.2.0 || ^3.0.0')).toBe(true);
    expect(satisfies('1.2.9', '1.2.x')).toBe(true);
  });

  it('tells a range it understands', () => {
    expect(isVersionRange('^0.1.0')).toBe(true);
    expect(isVersionRange('>=1.0.0 <2.0.0 || 3.x')).toBe(true);
    expect(isVersionRange('latest')).toBe(false);
    expect(isVersionRange('^1.0.0; drop')).toBe(false);
  });

  it('orders versions numerically, a pre-release before its release', () => {
    expect(compareVersions('1.10.0', '1.9.0')).toBeGreaterThan(0);
    expect(compareVersions('1.0.0', '1.0.0')).toBe(0);
    expect(compareVersions('1.1.0-beta.2', '1.1.0')).toBeLessThan(0);
    expect(compareVersions('1.1.0-beta.10', '1.1.0-beta.2')).toBeGreaterThan(0);
  });
});
