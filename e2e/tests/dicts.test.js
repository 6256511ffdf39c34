// 字典管理 (issue 13) in the browser: the administrator adds a value to an open list, renames
// it and switches it off; forms and filters offer what the dictionary says, at desk and phone
// width.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, launchBrowser, newPage, signIn, startServer, stopServer, uniqueTag } from './helpers.js';

describe('dictionary', () => {
  let browser;
  let baseUrl;
  let state;
  const url = (p) => new URL(p, baseUrl).href;

  before(async () => {
    ({ baseUrl } = await startServer());
    browser = await launchBrowser();
    const p = await newPage(browser);
    try {
      await signIn(p, baseUrl, ADMIN.username, ADMIN.password);
      state = await p.context().storageState();
    } finally {
      await p.context().close();
    }
  });

  after(async () => {
    try {
      if (browser) await browser.close();
    } catch {}
    await stopServer();
  });

  async function withAdmin(fn, options = {}) {
    const page = await newPage(browser, { storageState: state, ...options });
    try {
      await fn(page);
      assert.deepEqual(page.lianxinErrors, [], 'no JavaScript errors and no failed asset loads');
    } finally {
      await page.context().close();
    }
  }

  const offered = (page, name) =>
    page.locator(`select[name=${name}] option`).evaluateAll((os) => os.map((o) => o.textContent.trim()));

  test('an industry added, renamed and switched off is offered by forms and filters accordingly', async () => {
    const tag = uniqueTag();
    const name = `测试行业${tag}`;
    await withAdmin(async (page) => {
      await page.goto(url('/system/dicts'));
      await Promise.all([
        page.waitForURL(url('/system/dicts/enterprise.industry')),
        page.locator('table.data a', { hasText: /^行业$/ }).first().click(),
      ]);
      const table = await page.locator('table.data').innerText();
      // The built-in sections of GB/T 4754 and the demo district's own industries.
      assert.match(table, /制造业/);
      assert.match(table, /铝精深加工/);

      await Promise.all([page.waitForURL(/\/new$/), page.click('a#btn-new')]);
      await page.fill('form#record-form [name=label_zh]', name);
      await page.fill('form#record-form [name=label_en]', `Test industry ${tag}`);
      await Promise.all([
        page.waitForURL(url('/system/dicts/enterprise.industry')),
        page.click('form#record-form button[type=submit]'),
      ]);
      const row = page.locator('table.data tbody tr', { hasText: name });
      assert.equal(await row.count(), 1);

      // The enterprise form and the list's filter offer it.
      await page.goto(url('/enterprises/new'));
      assert.ok((await offered(page, 'industry')).includes(name));
      await page.goto(url('/enterprises'));
      assert.ok((await offered(page, 'industry')).includes(name));

      // Renamed and switched off: neither offers it any more.
      await page.goto(url('/system/dicts/enterprise.industry'));
      await Promise.all([
        page.waitForURL(/\/items\//),
        page.locator('table.data tbody tr', { hasText: name }).locator('a', { hasText: '修改' }).click(),
      ]);
      await page.fill('form#record-form [name=label_zh]', `${name}改`);
      await page.locator('form#record-form [name=enabled]').uncheck();
      await Promise.all([
        page.waitForURL(url('/system/dicts/enterprise.industry')),
        page.click('form#record-form button[type=submit]'),
      ]);
      const changed = await page.locator('table.data tbody tr', { hasText: `${name}改` }).innerText();
      assert.match(changed, /停用/);
      await page.goto(url('/enterprises/new'));
      const now = await offered(page, 'industry');
      assert.ok(!now.includes(name) && !now.includes(`${name}改`), now.join(','));
    });
  });

  test('a fixed list is renamed only, and the list reads on a phone', async () => {
    await withAdmin(
      async (page) => {
        await page.goto(url('/system/dicts/case.status'));
        assert.equal(await page.locator('a#btn-new').count(), 0, 'a fixed list takes no new value');
        await page.locator('table.data tbody tr', { hasText: '待交办' }).locator('a', { hasText: '修改' }).click();
        await page.waitForURL(/\/items\/new$/);
        assert.equal(await page.locator('form#record-form [name=enabled]').count(), 0);
        assert.equal(await page.locator('form#record-form [name=sort]').count(), 0);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `the form scrolls sideways by ${overflow} px`);
      },
      { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
    );
  });
});
