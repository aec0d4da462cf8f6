/**
 * Import and export in the browser: from the contact list to the import page, a 1.3 MB CSV with
 * Persian headers uploaded in chunks, the suggested mapping edited, a dry check, the import with
 * live progress, the report with its CSV of problems, a template saved — and the list exported as
 * CSV and XLSX with its filter. Also the import page in Persian (right to left).
 */
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { newContext, screenshot, signIn, useApp } from './support/app.ts';

const PASSWORD = 'import e2e password';

function contactsCsv(rows: number): Buffer {
  const lines = ['نام کامل;ایمیل;تلفن همراه;مرحله;تاریخ تولد;Notes'];
  const note = 'Met at the Tehran fair; asked for a demo of the POS terminals and the Persian support plan. '.repeat(2);
  for (let i = 0; i < rows; i++) {
    const email = i === 40 ? 'not-an-email' : `imported${i}@example.com`;
    lines.push(`Imported ${i};${email};۰۹۱۲۰۰۰${String(i).padStart(4, '0')};${i % 2 ? 'مشتری' : 'Lead'};${String((i % 28) + 1).padStart(2, '0')}/03/1990;"${note}"`);
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
}

describe('import and export in the browser', () => {
  const env = useApp(PASSWORD);

  it('uploads, maps, checks, imports with progress, reports problems, and exports the list', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    await signIn(page, env.app, PASSWORD);
    await page.goto(`${env.app.url}/e/contact`);
    await Promise.all([page.waitForURL(/\/e\/contact\/import$/), page.click('main a:has-text("Import")')]);
    await screenshot(page, 'import-upload-en');

    const file = contactsCsv(6000);
    expect(file.length).toBeGreaterThan(1_000_000);
    await page.setInputFiles('input[type=file]', { name: 'contacts.csv', mimeType: 'text/csv', buffer: file });
    await Promise.all([page.waitForURL(/\/e\/contact\/import\/[0-9a-f]{32}$/, { timeout: 60_000 }), page.click('main form.upload button[type=submit]')]);

    // The suggested mapping: Persian labels found their fields; Notes → notes.
    const selects = page.locator('form.mapping tbody select[name^="col."]');
    expect(await selects.evaluateAll((list) => list.map((s) => (s as HTMLSelectElement).value))).toEqual(['full_name', 'email', 'phone', 'stage', 'birthday', 'notes']);
    await page.fill('input[name=dateFormats]', 'DD/MM/YYYY');
    await page.check('input[name=mode][value=valid-rows]');
    await page.check('input[name=dedupe][value=email]');
    await screenshot(page, 'import-mapping-en');

    // Save the mapping as a template, then check.
    await page.fill('input[name=templateName]', 'Fair contacts');
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('?/save')), page.click('button:has-text("Save as template")')]);
    await expect(page.locator('[role=status]').textContent()).resolves.toContain('fair-contacts');
    await page.fill('input[name=dateFormats]', 'DD/MM/YYYY');
    await page.check('input[name=mode][value=valid-rows]');
    await Promise.all([page.waitForURL(/\/run$/), page.click('button:has-text("Check (nothing is written)")')]);
    await page.waitForSelector('text=Check finished: nothing was written.', { timeout: 60_000 });
    expect(await page.locator('[data-testid=import-counts]').textContent()).toContain('6,000 rows: 5,999 created');

    // Import: live progress, then the report.
    await Promise.all([page.waitForURL(/\/run$/), page.click('main form button:has-text("Import")')]);
    await page.waitForSelector('text=Import finished.', { timeout: 120_000 });
    const counts = await page.locator('[data-testid=import-counts]').textContent();
    expect(counts).toContain('5,999 created');
    expect(counts).toContain('1 failed');
    expect(await page.locator('table tbody tr').first().textContent()).toContain('not-an-email');
    await screenshot(page, 'import-report-en');
    const [report] = await Promise.all([page.waitForEvent('download'), page.click('a:has-text("Download the problems as CSV")')]);
    const reportText = await readFile((await report.path()) ?? '', 'utf8');
    expect(reportText).toContain('42,ایمیل,email,not-an-email,');

    // The list has them; export it filtered (stage = customer) as CSV and as XLSX.
    await page.goto(`${env.app.url}/e/contact?ff=email&fo=starts_with&fv=imported&ff=stage&fo=eq&fv=customer`);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('main a:has-text("Export as CSV")')]);
    const exported = (await readFile((await csv.path()) ?? '', 'utf8')).split('\r\n').filter(Boolean);
    expect(exported.length).toBe(1 + 3000);
    expect(exported[0]).toContain('Full name');
    expect(exported.slice(1).every((line) => line.includes(',customer,'))).toBe(true);
    const [xlsx] = await Promise.all([page.waitForEvent('download'), page.click('main a:has-text("Export as Excel (XLSX)")')]);
    const bytes = await readFile((await xlsx.path()) ?? '');
    expect(bytes.subarray(0, 2).toString()).toBe('PK');
    expect(xlsx.suggestedFilename()).toMatch(/^contact-\d{4}-\d{2}-\d{2}\.xlsx$/);

    // The template is offered on the next upload.
    await page.goto(`${env.app.url}/e/contact/import`);
    expect(await page.locator('form.upload').textContent()).toContain('fair-contacts');
    await context.close();
  });

  it('shows the import page in Persian, right to left', async () => {
    const context = await newContext(env.browser, { locale: 'fa' });
    const page = await context.newPage();
    await signIn(page, env.app, PASSWORD);
    await page.goto(`${env.app.url}/e/contact/import`);
    expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
    expect(await page.locator('h1').textContent()).toContain('ورود اطلاعات');
    await screenshot(page, 'import-upload-fa');
    await context.close();
  });
});
