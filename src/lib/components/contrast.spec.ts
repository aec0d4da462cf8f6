/** The shell's colours meet WCAG AA contrast: text 4.5:1, focus outlines and borders of controls 3:1. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';

const layout = readFileSync(new URL('../../routes/+layout.svelte', import.meta.url), 'utf8');
const palette = Object.fromEntries([...layout.matchAll(/--([a-z-]+):\s*(#[0-9a-f]{6})/gi)].map((m) => [m[1] ?? '', (m[2] ?? '').toLowerCase()]));

function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

function colour(name: string): string {
  const value = palette[name];
  if (!value) throw new Error(`--${name} is not defined in +layout.svelte`);
  return value;
}

describe('colour contrast', () => {
  it.each([
    ['fg', 'bg', 4.5],
    ['fg', 'panel', 4.5],
    ['muted', 'bg', 4.5],
    ['muted', 'panel', 4.5],
    ['accent', 'bg', 4.5],
    ['danger', 'bg', 4.5],
    ['focus', 'bg', 3],
    ['line', 'bg', 3],
    ['focus', 'panel', 3],
  ])('--%s on --%s is at least %s:1', (fg, bg, minimum) => {
    expect(contrast(colour(fg), colour(bg))).toBeGreaterThanOrEqual(minimum);
  });

  it('white text on the accent (primary buttons) is at least 4.5:1', () => {
    expect(contrast('#ffffff', colour('accent'))).toBeGreaterThanOrEqual(4.5);
  });
});
