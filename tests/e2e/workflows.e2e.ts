/**
 * An admin builds a workflow in the designer — a deal that becomes "won" gets a thank-you task —
 * sees a live error for a wrong field name in the condition, fixes it, tries the workflow on a deal
 * (nothing is sent or saved), saves it, then wins a deal in the generated edit form and finds the
 * run on the deal's page and the task on /tasks. Screens in English, Persian and on a phone.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { newContext, screenshot, signIn, useApp } from './support/app.ts';

const PASSWORD = 'workflows e2e password';

/** A select whose change posts the editor form: wait for the answer to be on screen. */
async function choose(page: Page, selector: string, value: string): Promise<void> {
  await Promise.all([page.waitForResponse((r) => r.url().includes('/edit') && r.request().method() === 'POST'), page.selectOption(selector, value)]);
  await page.waitForLoadState('networkidle');
}

describe('workflows in the designer', () => {
  const env = useApp(PASSWORD);

  it('builds, checks, dry-runs and saves a workflow; a won deal then runs it and leaves a task', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    await signIn(page, env.app, PASSWORD);
    await page.goto(`${env.app.url}/admin/workflows`);
    await Promise.all([page.waitForURL(/\/admin\/workflows\/new$/), page.click('text=New workflow')]);

    await page.fill('[name=name]', 'thank_won_deals');
    await page.fill('[name="title.en"]', 'Thank won deals');
    await page.fill('[name="title.fa"]', 'تشکر از فرصت‌های فروش موفق');
    await choose(page, '[name=entity]', 'deal');
    await choose(page, '[name="trigger.on"]', 'record.updated');
    // What was typed before the form was posted is still there.
    expect(await page.inputValue('[name="title.fa"]')).toBe('تشکر از فرصت‌های فروش موفق');
    await page.check('[name="trigger.fields"][value=stage]');

    // A wrong field name is reported under the condition while it is typed.
    await page.fill('[name=condition]', 'stag == "won"');
    await expect(page.locator('#condition-check .field-error').first().textContent({ timeout: 10_000 })).resolves.toContain('stag');
    await page.fill('[name=condition]', 'stage == "won" and old.stage != "won"');
    await page.locator('#condition-check .ok').waitFor({ timeout: 10_000 });

    await page.selectOption('[name="a.new"]', 'create_task');
    await Promise.all([page.waitForSelector('[name="a.0.s.title"]'), page.getByRole('button', { name: 'Add', exact: true }).click()]);
    expect(await page.inputValue('[name="a.0.s.assignee"]')).toBe('owner');
    // The demo deals belong to the sales reps: give the task to whoever wins the deal (this admin).
    await page.selectOption('[name="a.0.s.assignee"]', 'actor');
    await page.fill('[name="a.0.s.title"]', 'Thank {{record.title}}');

    // Try it on a deal found by searching: the step's rendered title, and nothing done.
    await page.fill('#dry-q', 'Acme');
    await page.getByRole('button', { name: 'Acme ERP renewal' }).click();
    await Promise.all([page.waitForSelector('.dry'), page.getByRole('button', { name: 'Try it' }).click()]);
    const dry = (await page.locator('.dry').textContent()) ?? '';
    expect(dry).toContain('Tried on');
    expect(dry).toContain('Thank Acme ERP renewal');
    expect(dry).toContain('nothing was sent or saved');
    await screenshot(page, 'workflow-editor-en');

    await Promise.all([page.waitForURL(/\/admin\/workflows\/thank_won_deals\?saved=\d+/), page.getByRole('button', { name: 'Save workflow' }).click()]);
    expect(await page.locator('[role=status]').first().textContent()).toContain('It is live now');

    // Win the deal in its generated edit form.
    await page.goto(`${env.app.url}/e/deal`);
    await Promise.all([page.waitForURL(/\/e\/deal\/[0-9a-f-]{36}$/), page.locator('table.records tr', { hasText: 'Acme ERP renewal' }).locator('a[href^="/e/deal/"]').first().click()]);
    const dealUrl = page.url();
    await page.goto(`${dealUrl}/edit`);
    await page.selectOption('select[name=stage]', 'won');
    await Promise.all([page.waitForURL(dealUrl), page.click('main form.record-form button[type=submit]')]);

    // The run appears on the deal's page and finishes; its task is on the deal and on /tasks.
    let runs = '';
    for (let i = 0; i < 40 && !runs.includes('Done'); i++) {
      if (i > 0) await page.waitForTimeout(250);
      await page.goto(dealUrl);
      runs = (await page.locator('.record-runs').textContent().catch(() => '')) ?? '';
    }
    expect(runs).toContain('Thank won deals');
    expect(runs).toContain('Done');
    expect(await page.locator('.record-tasks').textContent()).toContain('Thank Acme ERP renewal');
    await screenshot(page, 'workflow-deal-automation-en');
    const runHref = await page.locator('.record-runs a').first().getAttribute('href');
    expect(runHref).toMatch(/^\/admin\/runs\/[0-9a-f-]{36}$/);

    await page.goto(`${env.app.url}/tasks`);
    // The admin won the deal: the task is on their own list.
    expect(await page.locator('#my-tasks').textContent()).toContain('Thank Acme ERP renewal');
    await screenshot(page, 'workflow-tasks-en');
    await page.getByRole('button', { name: 'Mark “Thank Acme ERP renewal” done' }).click();
    await page.getByText('The task is done.').waitFor();
    expect((await page.locator('main').textContent()) ?? '').not.toContain('Thank Acme ERP renewal');

    await page.goto(`${env.app.url}/admin/runs?workflow=thank_won_deals`);
    expect(await page.locator('table.runs tbody tr').count()).toBe(1);
    await screenshot(page, 'workflow-runs-en');

    await page.goto(`${env.app.url}/admin/workflows`);
    const row = ((await page.locator('table.workflows tr', { hasText: 'thank_won_deals' }).textContent()) ?? '').replace(/[\u2068\u2069]/g, '');
    expect(row).toContain('When Stage of a Deal changes');
    expect(row).toContain('Done');
    await screenshot(page, 'workflows-list-en');
    await context.close();

    // The run on a phone.
    const phone = await newContext(env.browser, { phone: true });
    const small = await phone.newPage();
    await signIn(small, env.app, PASSWORD);
    await small.goto(`${env.app.url}${runHref ?? ''}`);
    expect(await small.locator('h1').textContent()).toContain('Thank won deals');
    expect(await small.locator('.steps').textContent()).toContain('create_task');
    const width = await small.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(375);
    await screenshot(small, 'workflow-run-phone');
    await phone.close();
  });

  it('lists the workflows right-to-left in Persian', async () => {
    const context = await newContext(env.browser, { locale: 'fa' });
    const page = await context.newPage();
    await signIn(page, env.app, PASSWORD);
    await page.goto(`${env.app.url}/admin/workflows`);
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    expect(await page.locator('h1').textContent()).toBe('گردش‌های کار');
    expect(await page.locator('table.workflows').textContent()).toContain('تشکر از فرصت‌های فروش موفق');
    await screenshot(page, 'workflows-list-fa');
    await page.goto(`${env.app.url}/admin/workflows/thank_won_deals`);
    expect(await page.locator('main').textContent()).toContain('رویداد آغازگر');
    await screenshot(page, 'workflow-editor-fa');
    // A refused save shows the problem next to its input and keeps what was typed.
    await page.fill('[name=condition]', 'stag == "won"');
    await Promise.all([page.waitForSelector('.error-summary'), page.getByRole('button', { name: 'ذخیرهٔ گردش کار' }).click()]);
    expect(await page.inputValue('[name=condition]')).toBe('stag == "won"');
    expect(await page.locator('.error-summary a').first().getAttribute('href')).toBe('#in-condition');
    await screenshot(page, 'workflow-editor-issues-fa');
    await context.close();
  });

  it('works without JavaScript: each choice posts the form back, nested branches included', async () => {
    const context = await env.browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await signIn(page, env.app, PASSWORD);
    await page.goto(`${env.app.url}/admin/workflows/new`);
    await page.fill('[name=name]', 'big_deal_review');
    await page.selectOption('[name=entity]', 'deal');
    await page.selectOption('[name="trigger.on"]', 'record.created');
    await Promise.all([page.waitForURL(/\?\/edit$/), page.getByRole('button', { name: 'Show its settings' }).first().click()]);
    expect(await page.inputValue('[name=name]')).toBe('big_deal_review');
    await page.selectOption('[name="a.new"]', 'branch');
    await Promise.all([page.waitForLoadState(), page.getByRole('button', { name: 'Add', exact: true }).click()]);
    await page.fill('[name="a.0.s.if"]', 'amount > 1000000');
    await page.selectOption('[name="a.0.then.new"]', 'create_task');
    await Promise.all([page.waitForLoadState(), page.locator('button[value="add:a.0.then"]').click()]);
    await page.fill('[name="a.0.then.0.s.title"]', 'Review {{record.title}}');
    await page.fill('[name=condition]', 'amount > "x');
    await Promise.all([page.waitForLoadState(), page.getByRole('button', { name: 'Save workflow' }).click()]);
    expect(await page.locator('#condition-check .field-error').count()).toBe(1);
    expect(await page.inputValue('[name="a.0.then.0.s.title"]')).toBe('Review {{record.title}}');
    await page.fill('[name=condition]', '');
    await Promise.all([page.waitForURL(/\/admin\/workflows\/big_deal_review\?saved=\d+/), page.getByRole('button', { name: 'Save workflow' }).click()]);
    expect(await page.inputValue('[name="a.0.then.0.s.title"]')).toBe('Review {{record.title}}');
    await context.close();
  });
});
