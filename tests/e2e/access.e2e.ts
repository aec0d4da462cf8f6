/**
 * Access control as people meet it: a sales rep signs in (first sign-in: a new password) and sees
 * only their own deals and none of a company's revenue; the administrator sees every deal, the
 * roles, the audit trail of the rep's change, and answers a privacy request — in English and in
 * Persian, on a desktop and on a phone.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { newContext, screenshot, signIn, useApp } from './support/app.ts';

const PASSWORD = 'access e2e password';
const REP = 'rep.tehran@peyvand.local';
const REP_PASSWORD = 'a rep password for e2e';

/** The "N records" line above a list. */
async function totalOf(page: Page): Promise<number> {
  const text = (await page.locator('main [role=status]').first().textContent()) ?? '';
  return Number(/(\d[\d,]*)/.exec(text.replace(/[۰-۹]/g, (d) => String('۰۱۲۳۴۵۶۷۸۹'.indexOf(d))))?.[1]?.replace(/,/g, '') ?? NaN);
}

describe('access control in the browser', () => {
  const env = useApp(PASSWORD);

  it('shows a rep their own deals only and hides what their role hides; the admin sees all and the audit trail', async () => {
    const oneTime = env.app.demoPasswords.get(REP);
    expect(oneTime, 'the demo prints the rep’s one-time password').toBeTruthy();

    const admin = await newContext(env.browser);
    const adminPage = await admin.newPage();
    await signIn(adminPage, env.app, PASSWORD);
    await adminPage.goto(`${env.app.url}/e/deal`);
    const allDeals = await totalOf(adminPage);
    await adminPage.goto(`${env.app.url}/e/company`);
    const companyHref = (await adminPage.locator('table.records a[href^="/e/company/"]').first().getAttribute('href')) ?? '';
    await adminPage.goto(`${env.app.url}${companyHref}`);
    expect(await adminPage.locator('dl.fields').textContent()).toContain('Annual revenue');

    const context = await newContext(env.browser);
    const page = await context.newPage();
    await signIn(page, env.app, oneTime ?? '', REP);
    await page.fill('#current', oneTime ?? '');
    await page.fill('#password', REP_PASSWORD);
    await Promise.all([page.waitForURL(`${env.app.url}/`), page.click('main button[type=submit]')]);

    await page.goto(`${env.app.url}/e/deal`);
    const mine = await totalOf(page);
    expect(mine).toBeGreaterThan(0);
    expect(mine).toBeLessThan(allDeals);
    await screenshot(page, 'access-rep-deals-en');
    // A company the rep may read has no revenue for them, and the navigation no administration.
    const company = await page.goto(`${env.app.url}${companyHref}`);
    if (company?.status() === 200) expect(await page.locator('dl.fields').textContent()).not.toContain('Annual revenue');
    await page.goto(`${env.app.url}/e/company`);
    const readable = (await page.locator('table.records a[href^="/e/company/"]').first().getAttribute('href')) ?? '';
    await page.goto(`${env.app.url}${readable}`);
    expect(await page.locator('dl.fields').textContent()).not.toContain('Annual revenue');
    await screenshot(page, 'access-rep-company-en');
    expect(await page.locator('nav.side').textContent()).not.toContain('Designer');
    // A deal of someone else is "not found", exactly like a missing one.
    await adminPage.goto(`${env.app.url}/e/deal`);
    const otherHref = await adminPage.locator('table.records a[href^="/e/deal/"]').last().getAttribute('href');
    await page.goto(`${env.app.url}/e/deal`);
    const myHrefs = await page.locator('table.records a[href^="/e/deal/"]').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    if (otherHref && !myHrefs.includes(otherHref)) {
      const response = await page.goto(`${env.app.url}${otherHref}`);
      expect(response?.status()).toBe(404);
    }

    // The rep changes one of their deals; the administrator finds the change in the audit trail.
    await page.goto(`${env.app.url}${myHrefs[0] ?? ''}/edit`);
    await page.fill('[name=title]', 'Renamed by the Tehran rep');
    await Promise.all([page.waitForURL(/\/e\/deal\/[0-9a-f-]{36}$/), page.click('main form.record-form button[type=submit]')]);
    await adminPage.goto(`${env.app.url}/admin/audit?entity=deal`);
    expect(await adminPage.locator('main').textContent()).toContain('Renamed by the Tehran rep');
    await screenshot(adminPage, 'access-audit-en');
    await adminPage.goto(`${env.app.url}/admin/access`);
    expect(await adminPage.locator('main').textContent()).toContain('Sales rep');
    await screenshot(adminPage, 'access-roles-en');
    for (const [path, name] of [
      ['/admin/access/roles/sales_rep', 'access-role-editor-en'],
      ['/admin/access/teams', 'access-teams-en'],
      ['/admin/access/users', 'access-users-en'],
      [`${myHrefs[0] ?? ''}/access`, 'access-record-sharing-en'],
    ] as const) {
      const response = await adminPage.goto(`${env.app.url}${path}`);
      expect(response?.status(), path).toBe(200);
      await screenshot(adminPage, name);
    }
    await context.close();
    await admin.close();
  });

  it('works in Persian on a phone: the rep’s list right-to-left, and an administrator erases a person', async () => {
    const context = await newContext(env.browser, { locale: 'fa', phone: true });
    const page = await context.newPage();
    await signIn(page, env.app, REP_PASSWORD, REP);
    await page.goto(`${env.app.url}/e/deal`);
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    await screenshot(page, 'access-rep-deals-fa-phone');
    await context.close();

    const admin = await newContext(env.browser, { locale: 'fa' });
    const adminPage = await admin.newPage();
    await signIn(adminPage, env.app, PASSWORD);
    await adminPage.goto(`${env.app.url}/admin/audit`);
    expect(await adminPage.getAttribute('html', 'dir')).toBe('rtl');
    await screenshot(adminPage, 'access-audit-fa');
    await adminPage.goto(`${env.app.url}/admin/access/roles/sales_rep`);
    await screenshot(adminPage, 'access-role-editor-fa');
    await adminPage.goto(`${env.app.url}/e/contact`);
    const href = await adminPage.locator('table.records a[href^="/e/contact/"]').first().getAttribute('href');
    await adminPage.goto(`${env.app.url}${href ?? ''}/privacy`);
    const title = (await adminPage.locator('label[for=confirm] bdi').textContent()) ?? '';
    await screenshot(adminPage, 'privacy-request-fa');
    await adminPage.fill('#confirm', title);
    await adminPage.click('form.erase button[type=submit]');
    await adminPage.locator('p.done[role=status]').waitFor();
    await adminPage.goto(`${env.app.url}${href ?? ''}`);
    expect(await adminPage.locator('h1').textContent()).not.toContain(title);
    await admin.close();
  });
});
