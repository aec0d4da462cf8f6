/**
 * A sales rep's day in the generated screens: create a contact in the generated form, find it with a
 * filter, edit it, meet a conflict — in English and in Persian (right-to-left, Persian date).
 */
import { describe, expect, it } from 'vitest';
import { newContext, screenshot, signIn, useApp } from './support/app.ts';

const PASSWORD = 'records e2e password';


describe('records in the generated screens', () => {
  const env = useApp(PASSWORD);

  it('creates a contact in the form, finds it with a filter, edits it, and sees the change in the history', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    await signIn(page, env.app, PASSWORD);
    await page.goto(`${env.app.url}/e/contact/new`);
    await screenshot(page, 'contact-form-en');
    // The browser-side check names the missing required fields before anything is sent.
    await page.click('main form button[type=submit]');
    await expect(page.locator('[aria-invalid=true]').count()).resolves.toBeGreaterThan(0);

    await page.fill('[name=full_name]', 'Nima Tehrani');
    await page.fill('[name=email]', 'nima@example.com');
    await page.fill('[name=phone]', '۰۹۱۲ ۳۴۵ ۶۷۸۹');
    await page.fill('[name=birthday]', '1990/05/10');
    await Promise.all([page.waitForURL(/\/e\/contact\/[0-9a-f-]{36}$/), page.click('main form button[type=submit]')]);
    const recordUrl = page.url();
    const details = await page.locator('dl.fields').textContent();
    expect(details).toContain('Nima Tehrani');
    expect(details).toContain('+989123456789');
    await screenshot(page, 'contact-record-en');

    // The filter builder: stage is "Lead" (the default the form applied) and the name starts with "Nima".
    await page.goto(`${env.app.url}/e/contact`);
    await page.click('details.filters summary');
    await page.click('text=Add a condition');
    await page.selectOption('.condition select[name=ff]', 'full_name');
    await page.selectOption('.condition select[name=fo]', 'starts_with');
    await page.fill('.condition input[name=fv]', 'Nima');
    await Promise.all([page.waitForURL(/ff=full_name/), page.click('.toolbar button[type=submit]')]);
    const rows = await page.locator('table.records tbody tr').allTextContents();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('Nima Tehrani');
    await screenshot(page, 'contact-list-filtered-en');

    // Save the filtered list as a view; it comes back from the views menu.
    await page.click('.views details summary');
    await page.fill('.save-view input[name=name]', 'Nima leads');
    await Promise.all([page.waitForURL(/ff=full_name/), page.click('.save-view button[type=submit]')]);
    await page.goto(`${env.app.url}/e/contact`);
    expect(await page.locator('table.records tbody tr').count()).toBeGreaterThan(1);
    await page.click('.views details summary');
    await Promise.all([page.waitForURL(/ff=full_name/), page.click('.views a:has-text("Nima leads")')]);
    expect(await page.locator('table.records tbody tr').count()).toBe(1);

    // Columns: move Email to the front.
    await page.goto(`${env.app.url}/e/contact`);
    await page.click('details.columns summary');
    await page.getByRole('button', { name: 'Move Email up' }).click();
    await Promise.all([page.waitForURL(/col=email/), page.click('.toolbar button[type=submit]')]);
    expect((await page.locator('table.records thead th').nth(1).textContent())?.trim()).toBe('Email');

    // Edit in place on the record page.
    await page.goto(recordUrl);
    await page.click('main a:has-text("Edit")');
    await page.fill('[name=job_title]', 'Buyer');
    await Promise.all([page.waitForURL(recordUrl), page.click('main form.record-form button[type=submit]')]);
    expect(await page.locator('dl.fields').textContent()).toContain('Buyer');
    expect(await page.locator('ol.audit-timeline').textContent()).toContain('Buyer');
    await context.close();
  });

  it('shows a conflict when someone else saved first, and keeps the chosen value', async () => {
    const context = await newContext(env.browser);
    const first = await context.newPage();
    await signIn(first, env.app, PASSWORD);
    await first.goto(`${env.app.url}/e/company`);
    await Promise.all([first.waitForURL(/\/e\/company\/[0-9a-f-]{36}$/), first.click('table.records tbody tr:first-child a')]);
    const recordUrl = first.url();
    const second = await context.newPage();
    await first.goto(`${recordUrl}/edit`);
    await second.goto(`${recordUrl}/edit`);

    await first.fill('[name=employees]', '111');
    await Promise.all([first.waitForURL(recordUrl), first.click('main form button[type=submit]')]);

    await second.fill('[name=employees]', '222');
    await second.click('main form button[type=submit]');
    await second.waitForSelector('.conflict');
    const conflict = await second.locator('.conflict').textContent();
    expect(conflict).toContain('222');
    expect(conflict).toContain('111');
    await screenshot(second, 'conflict-en');
    await Promise.all([second.waitForURL(recordUrl), second.click('.conflict button[type=submit]')]);
    expect(await second.locator('dl.fields').textContent()).toContain('222');
    await context.close();
  });

  it('works in Persian: right-to-left, Persian labels and a Persian (Solar Hijri) date, on a phone too', async () => {
    const created: string[] = [];
    for (const phone of [false, true]) {
      const context = await newContext(env.browser, { locale: 'fa', phone });
      const page = await context.newPage();
      await signIn(page, env.app, PASSWORD);
      expect(await page.getAttribute('html', 'dir')).toBe('rtl');
      await page.goto(`${env.app.url}/e/contact/new`);
      expect(await page.locator('main form').textContent()).toContain('نام کامل');
      await page.fill('[name=full_name]', phone ? 'مریم کاظمی' : 'رضا احمدی');
      await page.fill('[name=email]', phone ? 'maryam@example.com' : 'reza@example.com');
      // 20 Ordibehesht 1369 = 10 May 1990.
      await page.fill('[name=birthday]', '۱۳۶۹/۰۲/۲۰');
      await screenshot(page, `contact-form-fa${phone ? '-phone' : ''}`);
      await Promise.all([page.waitForURL(/\/e\/contact\/[0-9a-f-]{36}$/), page.click('main form button[type=submit]')]);
      created.push(page.url());
      const details = (await page.locator('dl.fields').textContent()) ?? '';
      expect(details).toContain('۱۳۶۹');
      expect(details).toContain('اردیبهشت');
      await screenshot(page, `contact-record-fa${phone ? '-phone' : ''}`);
      await page.goto(`${env.app.url}/e/contact`);
      await screenshot(page, `contact-list-fa${phone ? '-phone' : ''}`);
      await context.close();
    }
    // Stored as one calendar date, whatever calendar it was typed in: English shows 10 May 1990.
    const english = await newContext(env.browser, { locale: 'en' });
    const page = await english.newPage();
    await signIn(page, env.app, PASSWORD);
    for (const url of created) {
      await page.goto(url);
      const details = (await page.locator('dl.fields').textContent()) ?? '';
      expect(details).toContain('1990');
      expect(details).toMatch(/May/);
    }
    await english.close();
  });
});
