// System management (系统管理, issue 13) in the browser: the audit log read by a person
// (filters, descriptions in words, one entry in detail, the export of what the filter shows)
// roles edited as a tree of menus and buttons, and notices (通知公告) with read receipts.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, launchBrowser, newPage, signIn, startServer, stopServer, uniqueTag } from './helpers.js';

describe('system management', () => {
  let browser;
  let baseUrl;
  let state; // the administrator's signed-in storage state
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

  test('the audit log says in words who read whose numbers, in detail, and exports what it shows', async () => {
    await withAdmin(async (page) => {
      // The administrator sees full numbers on the people list: that read is logged.
      await page.goto(url('/people'));
      await page.goto(url('/system/audit'));
      await Promise.all([
        page.waitForURL((u) => u.searchParams.get('entity') === 'person'),
        page.locator('form.filters select[name=entity]').selectOption('person'),
      ]);
      const first = page.locator('table.data tbody tr').first();
      const text = await first.innerText();
      assert.match(text, /查看了 \d+ 人的完整证件号和电话/, text);
      assert.doesNotMatch(await page.locator('table.data').innerText(), /unmasked|web list/);
      // Today, as a day range, still shows it; a day long past shows nothing.
      const today = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai' }).format(new Date());
      await page.goto(url(`/system/audit?entity=person&from=${today}&to=${today}`));
      assert.equal(await page.locator('input[type=date][name=from]').inputValue(), today);
      assert.match(await page.locator('table.data tbody').innerText(), /人的完整证件号和电话/);
      // The export holds what the filter shows.
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.locator('#btn-export').click(),
      ]);
      assert.match(download.suggestedFilename(), /\.xlsx$/);
      // One entry in detail.
      await Promise.all([
        page.waitForURL((u) => /^\/system\/audit\/\d+$/.test(u.pathname)),
        page.locator('table.data tbody tr').first().locator('a').first().click(),
      ]);
      const detail = await page.locator('main').innerText();
      assert.match(detail, /操作日志详情/);
      assert.match(detail, /人的完整证件号和电话/);
      assert.match(detail, /涉及记录号/);
    });
  });

  test('the audit log reads in English in the English interface', async () => {
    await withAdmin(async (page) => {
      await page.goto(url('/people'));
      await page.goto(url('/system/audit?entity=person&action=read_sensitive'));
      await Promise.all([page.waitForLoadState('load'), page.locator('#lang-switch').click()]);
      await page.waitForURL((u) => u.pathname === '/system/audit');
      const text = await page.locator('table.data tbody').innerText();
      assert.match(text, /viewed the full identity numbers and phones of \d+ people/, text);
    });
  });

  test('a role is edited as a tree of menus and buttons, and listed in words', async () => {
    await withAdmin(async (page) => {
      const tag = uniqueTag();
      await page.goto(url('/system/roles/new'));
      const group = page.locator('[data-check-tree] fieldset', { hasText: '基础数据' });
      const boxes = group.locator('input[name=permissions]');
      const n = await boxes.count();
      assert.ok(n >= 10, `the registries' pages and buttons: ${n}`);
      await group.locator('input[data-check-all]').check();
      for (let i = 0; i < n; i += 1) assert.ok(await boxes.nth(i).isChecked(), 'the group box ticks all');
      // One button less: the group box shows "some".
      await group.locator('label', { hasText: '单位删除' }).locator('input').uncheck();
      assert.equal(await group.locator('input[data-check-all]').evaluate((b) => b.indeterminate), true);
      await page.fill('input[name=code]', `clerk_${tag}`.toLowerCase());
      await page.fill('input[name=name_zh]', `档案员${tag}`);
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/system/roles'),
        page.locator('#record-form button[type=submit]').click(),
      ]);
      const row = page.locator('table.data tbody tr', { hasText: `档案员${tag}` });
      assert.equal(await row.count(), 1);
      assert.match(await row.innerText(), new RegExp(`基础数据（${n - 1}）`));
      assert.doesNotMatch(await page.locator('table.data').innerText(), /enterprise:list|case:list/);
    });
  });

  test('a notice to the district is on the home page of its users, and the sender sees who read it', async () => {
    const tag = uniqueTag();
    const title = `复工检查通知${tag}`;
    await withAdmin(async (page) => {
      await page.goto(url('/system/notices/new'));
      await page.fill('input[name=title]', title);
      await page.fill('textarea[name=body]', '请于本周五前完成自查。');
      // Sent to the district: it reaches the users of every unit below it (the leader's too).
      const district = page.locator('select[name=unit_ids] option', { hasText: /^上街区$/ });
      await page.locator('select[name=unit_ids]').selectOption(await district.first().getAttribute('value'));
      await Promise.all([
        page.waitForURL((u) => /^\/system\/notices\/\d+$/.test(u.pathname)),
        page.locator('#record-form button[type=submit]').click(),
      ]);
      assert.match(await page.locator('main').innerText(), /未读（\d+）/);
    });
    const reader = await newPage(browser);
    try {
      const landing = await signIn(reader, baseUrl, 'leader', ADMIN.password);
      if (landing !== '/') await reader.goto(url('/'));
      const block = reader.locator('#notices-block');
      assert.match(await block.innerText(), new RegExp(title));
      await Promise.all([
        reader.waitForURL((u) => /^\/notices\/\d+$/.test(u.pathname)),
        block.locator('a', { hasText: title }).click(),
      ]);
      assert.match(await reader.locator('main').innerText(), /请于本周五前完成自查。/);
      await reader.goto(url('/'));
      assert.doesNotMatch(await reader.locator('main').innerText(), new RegExp(title), 'read: gone from home');
      assert.deepEqual(reader.lianxinErrors, []);
    } finally {
      await reader.context().close();
    }
    await withAdmin(async (page) => {
      await page.goto(url('/system/notices'));
      const row = page.locator('table.data tbody tr', { hasText: title });
      await Promise.all([
        page.waitForURL((u) => /^\/system\/notices\/\d+$/.test(u.pathname)),
        row.locator('a').first().click(),
      ]);
      const text = await page.locator('main').innerText();
      assert.match(text, /已读（1）/);
      assert.match(text, /leader|区领导/);
    });
  });

  test('the sender corrects a notice, then withdraws it from its readers (desk and phone)', async () => {
    for (const viewport of [undefined, { width: 390, height: 844 }]) {
      const tag = uniqueTag();
      const title = `停水通知${tag}`;
      let id;
      await withAdmin(async (page) => {
        await page.goto(url('/system/notices/new'));
        await page.fill('input[name=title]', title);
        await page.fill('textarea[name=body]', '明日 8 时至 12 时停水。');
        await page.check('input[name=to_all]');
        await Promise.all([
          page.waitForURL((u) => /^\/system\/notices\/\d+$/.test(u.pathname)),
          page.locator('#record-form button[type=submit]').click(),
        ]);
        id = new URL(page.url()).pathname.split('/').pop();
        // 修改: the form holds the notice; the saved text shows with when it was edited.
        await Promise.all([
          page.waitForURL((u) => u.pathname === `/system/notices/${id}/edit`),
          page.click('#btn-edit'),
        ]);
        assert.equal(await page.inputValue('input[name=title]'), title);
        await page.fill('textarea[name=body]', '明日 8 时至 14 时停水（更正）。');
        await Promise.all([
          page.waitForURL((u) => u.pathname === `/system/notices/${id}`),
          page.locator('#record-form button[type=submit]').click(),
        ]);
        const shown = await page.locator('main').innerText();
        assert.match(shown, /8 时至 14 时停水（更正）/);
        assert.match(shown, /修改时间/);
        // 撤回 asks first; once confirmed the page says so and offers neither button again.
        page.once('dialog', (d) => d.accept());
        await Promise.all([page.waitForLoadState('load'), page.click('#btn-withdraw')]);
        await page.waitForSelector('#btn-withdraw', { state: 'detached' });
        assert.match(await page.locator('main').innerText(), /已撤回/);
        assert.equal(await page.locator('#btn-edit').count(), 0);
        const sideways = await page.evaluate(
          () => document.documentElement.scrollWidth > document.documentElement.clientWidth,
        );
        assert.equal(sideways, false, 'the page does not scroll sideways');
      }, viewport ? { viewport } : {});
      const reader = await newPage(browser, viewport ? { viewport } : {});
      try {
        const landing = await signIn(reader, baseUrl, 'leader', ADMIN.password);
        if (landing !== '/') await reader.goto(url('/'));
        assert.doesNotMatch(await reader.locator('main').innerText(), new RegExp(title));
        const r = await reader.goto(url(`/notices/${id}`));
        assert.equal(r.status(), 404);
      } finally {
        await reader.context().close();
      }
    }
  });
});
