// Foundation browser tests: login, dashboard, enterprise create with check-character
// validation, search, export, language switch. One server, one logged-in admin session,
// tests run in order and build on each other.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  ADMIN,
  breakUsccCheck,
  ensureResultsDir,
  launchBrowser,
  login,
  makeUscc,
  newPage,
  poll,
  setField,
  startServer,
  stopServer,
  uniqueTag,
} from './helpers.js';

const SIDEBAR_LINKS = ['/enterprises', '/people', '/units', '/system/users', '/system/audit'];

describe('foundation', () => {
  let browser;
  let page;
  let baseUrl;
  const url = (p) => new URL(p, baseUrl).href;

  // shared between the tests
  const tag = uniqueTag();
  const enterpriseName = `连心测试企业${tag}`;
  const goodUscc = makeUscc();
  const badUscc = breakUsccCheck(goodUscc);
  let detailUrl = null;

  const assertNoPageErrors = () =>
    assert.deepEqual(page.lianxinErrors, [], 'no JavaScript errors and no failed asset loads');

  before(async () => {
    ensureResultsDir();
    ({ baseUrl } = await startServer());
    browser = await launchBrowser();
    page = await newPage(browser);
  });

  after(async () => {
    // each step on its own so one failure does not leave the server running
    try {
      if (page) await page.context().close();
    } catch {}
    try {
      if (browser) await browser.close();
    } catch {}
    await stopServer();
  });

  test('a wrong password is refused and admin logs in to the dashboard', async () => {
    await page.goto(url('/login'));
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
    await page.fill('input[name=username]', ADMIN.username);
    await page.fill('input[name=password]', 'not-the-password');
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.click('button[type=submit]'),
    ]);
    assert.ok(refused.status() < 500, `a failed login is not a server error (${refused.status()})`);
    await page.waitForLoadState('load');
    assert.equal(new URL(page.url()).pathname, '/login', 'a failed login stays on /login');
    assert.equal(await page.locator('input[name=password]').count(), 1);

    await login(page, baseUrl, ADMIN.username, ADMIN.password);
    assert.equal(new URL(page.url()).pathname, '/');
    await page.locator('h1').first().waitFor({ state: 'visible' });
    await page.locator('.stats').first().waitFor({ state: 'visible' });
    for (const href of SIDEBAR_LINKS) {
      assert.ok(
        (await page.locator(`a[href="${href}"]`).count()) > 0,
        `admin sees the menu link ${href}`,
      );
    }
    // let charts (if any) draw before the picture is taken
    await page.waitForLoadState('networkidle').catch(() => {});
    await page.screenshot({ path: path.join(ensureResultsDir(), 'dashboard.png'), fullPage: true });
    assertNoPageErrors();
  });

  test('an enterprise with a wrong USCC check character is refused, then saved once fixed', async () => {
    await page.goto(url('/enterprises'));
    await Promise.all([page.waitForURL(url('/enterprises/new')), page.click('a#btn-new')]);

    const form = 'form#record-form';
    await page.locator(form).waitFor();
    await setField(page, form, 'name', enterpriseName);
    await setField(page, form, 'uscc', badUscc);
    const unitId = await setField(page, form, 'unit_id'); // first sub-district
    await setField(page, form, 'industry', '制造业');
    const ownership = await setField(page, form, 'ownership');
    await setField(page, form, 'address', '郑州市测试路1号');
    await setField(page, form, 'legal_rep', '张测试');
    await setField(page, form, 'contact_name', '李联络');
    await setField(page, form, 'contact_phone', '13912345678');
    await setField(page, form, 'employee_count', '120');
    await setField(page, form, 'has_party_org', true);

    const isPost = (r) => r.request().method() === 'POST' && !r.url().includes('/assets/');
    const [bad] = await Promise.all([
      page.waitForResponse(isPost),
      page.click(`${form} button[type=submit]`),
    ]);
    assert.equal(bad.status(), 422, 'invalid input answers 422');
    const err = page.locator('.field-error[data-field="uscc"]');
    await err.waitFor({ state: 'visible' });
    const msg = await err.innerText();
    assert.match(msg, /校验位/, `the USCC error names the check character: ${msg}`);

    // what was typed is kept
    assert.equal(await page.inputValue(`${form} [name="name"]`), enterpriseName);
    assert.equal(await page.inputValue(`${form} [name="uscc"]`), badUscc);
    assert.equal(await page.inputValue(`${form} [name="contact_phone"]`), '13912345678');
    assert.equal(await page.inputValue(`${form} [name="unit_id"]`), unitId);
    assert.equal(await page.inputValue(`${form} [name="ownership"]`), ownership);
    assert.equal(await page.isChecked(`${form} [name="has_party_org"]`), true);
    await page.screenshot({
      path: path.join(ensureResultsDir(), 'enterprise-form.png'),
      fullPage: true,
    });

    // fix the check character and save
    await setField(page, form, 'uscc', goodUscc);
    await Promise.all([
      page.waitForURL((u) => /^\/enterprises\/[^/]+$/.test(u.pathname) && u.pathname !== '/enterprises/new', {
        timeout: 20_000,
      }),
      page.click(`${form} button[type=submit]`),
    ]);
    detailUrl = page.url();
    const h1 = (await page.locator('h1').first().innerText()).trim();
    assert.ok(h1.includes(enterpriseName), `detail page h1 "${h1}" is the enterprise name`);
    assertNoPageErrors();
  });

  test('the list search finds exactly the new enterprise', async () => {
    assert.ok(detailUrl, 'needs the enterprise created by the previous test');
    await page.goto(url('/enterprises'));
    await page.fill('form.filters input[name=q]', enterpriseName);
    await page.click('form.filters [type=submit]');
    const rows = page.locator('table.data tbody tr');
    await poll(
      async () =>
        (await rows.count()) === 1 && (await rows.first().innerText()).includes(enterpriseName),
      { timeout: 15_000, message: `exactly one row with ${enterpriseName}` },
    );
    await page.locator('.pagination').first().waitFor({ state: 'visible' });
    const pagination = await page.locator('.pagination').first().innerText();
    assert.match(pagination, /\b1\b/, `the pagination shows the total 1: ${pagination}`);
    assertNoPageErrors();
  });

  test('export to xlsx and csv keeps the current filter', async () => {
    assert.ok(detailUrl, 'needs the enterprise created by an earlier test');
    // start from the filtered list so the links carry the filter
    await page.goto(url(`/enterprises?q=${encodeURIComponent(enterpriseName)}`));
    await poll(async () => (await page.locator('table.data tbody tr').count()) === 1, {
      message: 'the filtered list',
    });

    const xlsxHref = await page.getAttribute('a#btn-export-xlsx', 'href');
    const xlsxUrl = new URL(xlsxHref, baseUrl);
    assert.equal(xlsxUrl.pathname, '/enterprises/export.xlsx');
    assert.equal(xlsxUrl.searchParams.get('q'), enterpriseName, 'the export link keeps q');

    const [xlsx] = await Promise.all([page.waitForEvent('download'), page.click('a#btn-export-xlsx')]);
    assert.match(xlsx.suggestedFilename(), /\.xlsx$/i, `xlsx filename: ${xlsx.suggestedFilename()}`);
    const xlsxBytes = await fs.readFile(await xlsx.path());
    assert.ok(xlsxBytes.length > 100, 'the xlsx file is not empty');
    assert.equal(xlsxBytes.subarray(0, 2).toString('latin1'), 'PK', 'an xlsx file is a zip');
    await xlsx.saveAs(path.join(ensureResultsDir(), `enterprises-${xlsx.suggestedFilename().replace(/[^\w.-]+/g, '_')}`));

    const csvHref = await page.getAttribute('a#btn-export-csv', 'href');
    assert.equal(new URL(csvHref, baseUrl).searchParams.get('q'), enterpriseName, 'the csv link keeps q');
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('a#btn-export-csv')]);
    assert.match(csv.suggestedFilename(), /\.csv$/i, `csv filename: ${csv.suggestedFilename()}`);
    const csvText = (await fs.readFile(await csv.path())).toString('utf8');
    assert.ok(csvText.includes(enterpriseName), 'the csv (UTF-8) holds the filtered enterprise');
    assertNoPageErrors();
  });

  test('on a phone the menu sits on top and only the table scrolls sideways', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.goto(url('/enterprises'));
      const box = await page.locator('a[href="/people"]').first().boundingBox();
      assert.ok(box && box.y < 200, `the menu is at the top of the page (y=${box && box.y})`);
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      assert.ok(overflow <= 1, `the page itself does not scroll sideways (overflow ${overflow}px)`);
      await page.screenshot({ path: path.join(ensureResultsDir(), 'enterprises-phone.png'), fullPage: true });
      assertNoPageErrors();
    } finally {
      await page.setViewportSize({ width: 1366, height: 860 });
    }
  });

  test('the language switch turns the UI to English and back', async () => {
    await page.goto(url('/'));
    const menuLink = page.locator('a[href="/enterprises"]').first();
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
    assert.match(await menuLink.innerText(), /企业/);

    const lang = () => page.evaluate(() => document.documentElement.lang);
    await page.click('a#lang-switch');
    await poll(async () => (await lang()) === 'en', { message: '<html lang="en">' });
    await page.waitForLoadState('load');
    await poll(async () => /Enterprises/.test(await menuLink.innerText()), {
      message: 'the English menu ("Enterprises")',
    });
    assert.equal(new URL(page.url()).pathname, '/', 'the switch returns to the same page');
    await page.screenshot({ path: path.join(ensureResultsDir(), 'dashboard-en.png'), fullPage: true });

    await page.click('a#lang-switch');
    await poll(async () => (await lang()) === 'zh-CN', { message: '<html lang="zh-CN">' });
    await page.waitForLoadState('load');
    await poll(async () => /企业/.test(await menuLink.innerText()), { message: 'the Chinese menu' });
    assertNoPageErrors();
  });
});
