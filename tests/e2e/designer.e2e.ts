/**
 * An admin creates an entity with five field types in the designer, reviews the plan, applies it,
 * and a user then works in its generated form and list — without a restart.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { newContext, screenshot, signIn, useApp } from './support/app.ts';

const PASSWORD = 'designer e2e password';


/** Submits the designer form with one of its buttons and waits for the page to settle. */
async function press(page: Page, name: string | RegExp): Promise<void> {
  // Wait for the form's own POST to be answered (network-idle alone can resolve before the click).
  await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST', { timeout: 30_000 }), page.getByRole('button', { name, exact: typeof name === 'string' }).click()]);
  await page.waitForLoadState('networkidle');
}

describe('the no-code designer', () => {
  const env = useApp(PASSWORD);

  it('creates an entity with five field types, shows the plan, applies it, and the generated screens work at once', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    await signIn(page, env.app, PASSWORD);
    await page.goto(`${env.app.url}/admin/entities/new`);
    await page.fill('[name="entity.name"]', 'vendor');
    await page.fill('[name="entity.label.en"]', 'Vendor');
    await page.fill('[name="entity.label.fa"]', 'تأمین‌کننده');
    const fields: [string, string][] = [
      ['title', 'text'],
      ['rating', 'integer'],
      ['since', 'date'],
      ['website', 'url'],
      ['preferred', 'boolean'],
    ];
    for (const [name, type] of fields) {
      await page.fill('[name="new.name"]', name);
      await page.check(`[name="new.type"][value="${type}"]`);
      await press(page, 'Add field');
    }
    await screenshot(page, 'designer-entity-en');
    await press(page, 'Review changes');
    await page.waitForSelector('[name=reviewed]', { state: 'attached' });
    const plan = (await page.locator('#review-title').locator('xpath=..').textContent()) ?? '';
    expect(plan).toContain('vendor');
    await screenshot(page, 'designer-plan-en');
    await page.getByRole('button', { name: 'Apply', exact: true }).click();
    await page.waitForURL(/\/admin\/entities\/vendor/);

    // The new entity is in the navigation and its generated form and list work, without a restart.
    await page.goto(`${env.app.url}/e/vendor/new`);
    await page.fill('[name=title]', 'Tehran Paper Co.');
    await page.fill('[name=rating]', '۴');
    await page.fill('[name=since]', '2020/01/31');
    await page.fill('[name=website]', 'https://paper.example');
    await page.check('[name=preferred]');
    await Promise.all([page.waitForURL(/\/e\/vendor\/[0-9a-f-]{36}$/), page.click('main form button[type=submit]')]);
    const details = (await page.locator('dl.fields').textContent()) ?? '';
    expect(details).toContain('Tehran Paper Co.');
    expect(details).toContain('4');
    expect(details).toContain('2020');
    await page.goto(`${env.app.url}/e/vendor`);
    expect(await page.locator('table.records tbody').textContent()).toContain('Tehran Paper Co.');
    expect(await page.locator('nav.side').textContent()).toContain('Vendor');
    await screenshot(page, 'designer-vendor-list-en');
    await context.close();
  });

  it('shows the designer right-to-left in Persian', async () => {
    const context = await newContext(env.browser, { locale: 'fa' });
    const page = await context.newPage();
    await signIn(page, env.app, PASSWORD);
    await page.goto(`${env.app.url}/admin/entities/contact`);
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    expect(await page.locator('main').textContent()).toContain('نام کامل');
    await screenshot(page, 'designer-entity-fa');
    await context.close();
  });
});
