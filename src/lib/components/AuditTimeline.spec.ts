/** Server-rendered AuditTimeline: wording per kind of change, field labels, values through the display. */
import type { Component } from 'svelte';
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import { entityOf } from '../forms/pack-fixture.ts';
import type { EntityModel, JsonValue } from '../model/types.ts';

/** The component's `TimelineEntry` (tsc cannot read a .svelte module's exports). */
interface TimelineEntry {
  readonly at: string;
  readonly action: 'create' | 'update' | 'delete';
  readonly actor: { readonly id: string; readonly name: string } | null;
  readonly changes: Readonly<Record<string, { readonly old: JsonValue; readonly new: JsonValue }>>;
}

type Props = {
  entries: readonly TimelineEntry[];
  entity: EntityModel;
  locale: 'en' | 'fa' | 'ar';
  calendar: 'gregory' | 'persian' | 'islamic-umalqura';
  timeZone: string;
  titles?: Record<string, string>;
  users?: Record<string, string>;
};

const Timeline = ((await import('./AuditTimeline.svelte')) as { default: Component<Props> }).default;

const entity = entityOf({
  title: 'Deal',
  'x-title-field': 'title',
  properties: {
    title: { type: 'string', title: 'Title', 'x-labels': { fa: 'عنوان' } },
    stage: { type: 'string', enum: ['new', 'won'], title: 'Stage', 'x-options': { new: { en: 'New', fa: 'جدید' }, won: { en: 'Won', fa: 'موفق' } } },
    amount: { type: 'integer', title: 'Amount' },
    closes_on: { type: 'string', format: 'date', title: 'Closes on' },
  },
});

const SARA = { id: '01900000-0000-7000-8000-000000000001', name: 'Sara' };

const entries: TimelineEntry[] = [
  { at: '2024-08-03T10:00:00.000Z', action: 'update', actor: null, changes: { owner: { old: SARA.id, new: null } } },
  { at: '2024-08-02T10:00:00.000Z', action: 'update', actor: SARA, changes: { stage: { old: 'new', new: 'won' }, amount: { old: 1200, new: 15000 } } },
  { at: '2024-08-01T10:00:00.000Z', action: 'create', actor: SARA, changes: { title: { old: null, new: '<b>Big</b> deal' }, closes_on: { old: null, new: '2024-08-02' } } },
];

function html(props: Partial<Props> = {}): string {
  return render(Timeline, { props: { entries, entity, locale: 'en', calendar: 'gregory', timeZone: 'UTC', ...props } }).body;
}

describe('AuditTimeline', () => {
  it('words each kind of change and shows old → new through the field display', () => {
    const out = html({ users: { [SARA.id]: 'Sara Ahmadi' } });
    expect(out).toContain('Owner changed');
    expect(out).toContain('Sara Ahmadi');
    expect(out).toContain('Changed');
    expect(out).toContain('Created');
    expect(out).toMatch(/Stage<\/bdi><\/dt>.*New.*→.*Won/s);
    expect(out).toContain('15,000');
    expect(out).toContain('August 2, 2024');
    // Labels and values are text, never markup.
    expect(out).toContain('&lt;b>Big&lt;/b> deal');
    expect(out).not.toContain('<b>Big</b>');
    // The platform's own changes are the system's.
    expect(out).toContain('System');
  });

  it('speaks Persian with the Persian calendar and digits, the arrow pointing from old to new', () => {
    const out = html({ locale: 'fa', calendar: 'persian', timeZone: 'Asia/Tehran' });
    expect(out).toContain('ویرایش شد');
    expect(out).toContain('جدید');
    expect(out).toContain('موفق');
    expect(out).toContain('←');
    expect(out).toContain('۱۵٬۰۰۰');
    expect(out).toContain('مرداد');
  });

  it('says so when there is no history', () => {
    expect(html({ entries: [] })).toContain('No changes recorded yet.');
  });
});
