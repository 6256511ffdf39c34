// The closed loop in a browser (issue 3): an enterprise raises an appeal on the phone page, the
// district dispatches it to two departments, both resolve their parts, the enterprise is not
// satisfied so the case reopens, it is resolved again, revisited as satisfied and closed.
// Each actor has their own browser context (own session cookie).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  ensureResultsDir,
  launchBrowser,
  login,
  newPage,
  poll,
  startServer,
  stopServer,
  uniqueTag,
} from './helpers.js';

const PASSWORD = 'Lianxin@2020';

describe('closed-loop case', () => {
  let browser;
  let baseUrl;
  const pages = {};
  const url = (p) => new URL(p, baseUrl).href;
  const tag = uniqueTag();
  const title = `厂房消防验收迟迟未办${tag}`;
  let caseUrl = null;

  const as = async (who, opts) => {
    if (!pages[who]) {
      pages[who] = await newPage(browser, opts);
      await login(pages[who], baseUrl, who, PASSWORD);
    }
    return pages[who];
  };
  const shot = (page, name) =>
    page.screenshot({ path: path.join(ensureResultsDir(), `${name}.png`), fullPage: true });
  const status = async (page) => page.getAttribute('#case-status', 'data-status');
  const submit = async (page, form) => {
    await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/act')),
      page.click(`${form} button[type=submit]`),
    ]);
    await page.waitForLoadState('load');
  };
  const noErrors = (page) => assert.deepEqual(page.lianxinErrors, [], 'no JavaScript errors');

  before(async () => {
    ensureResultsDir();
    ({ baseUrl } = await startServer());
    browser = await launchBrowser();
  });

  after(async () => {
    for (const p of Object.values(pages)) {
      try {
        await p.context().close();
      } catch {}
    }
    try {
      if (browser) await browser.close();
    } catch {}
    await stopServer();
  });

  test('an enterprise contact raises an appeal on the phone page', async () => {
    const page = await as('qiye', { viewport: { width: 390, height: 844 }, isMobile: true });
    await page.goto(url('/appeal'));
    await page.selectOption('#appeal-form [name=category]', 'permits');
    await page.fill('#appeal-form [name=title]', title);
    await page.fill('#appeal-form [name=description]', '新厂房已完工，消防验收申请提交两周无人受理，影响投产。');
    await page.fill('#appeal-form [name=contact_phone]', '13803710099');
    await Promise.all([page.waitForURL(/\/appeal\?done=/), page.click('#appeal-form button[type=submit]')]);
    await page.locator('#appeal-done').waitFor();
    const link = page.locator('a.appeal-item', { hasText: title });
    await link.waitFor();
    caseUrl = url(await link.getAttribute('href'));
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(overflow <= 1, `the phone page does not scroll sideways (${overflow}px)`);
    await shot(page, 'appeal-phone');
    noErrors(page);
  });

  test('the leader dispatches it to a lead and an assisting department', async () => {
    assert.ok(caseUrl, 'needs the appeal');
    const page = await as('leader');
    // It waits in the leader's to-do list.
    await page.goto(url('/cases?bucket=to_dispatch'));
    await page.locator('#cases-table', { hasText: title }).waitFor();
    await page.goto(caseUrl);
    assert.equal(await status(page), 'new');
    await page.selectOption('#form-dispatch [name=lead_unit_id]', { label: '工业和信息化局' });
    // The assisting department is found by typing, ticked, and given its own task.
    await page.fill('#assist-filter', '财政');
    const row = page.locator('#assist-picker .pick-row:visible');
    assert.equal(await row.count(), 1, 'typing narrows the departments to one');
    await row.locator('input[type=checkbox]').check();
    await row.locator('input.pick-task').fill('核实验收费用减免');
    // A refused dispatch keeps what was typed: a working-day count out of range.
    await page.fill('#form-dispatch [name=working_days]', '999');
    await page.locator('#form-dispatch [name=working_days]').evaluate((e) => e.removeAttribute('max'));
    await submit(page, '#form-dispatch');
    assert.equal(await status(page), 'new', 'refused');
    await page.locator('#action-error').waitFor();
    assert.ok(await page.locator('#assist-picker input[type=checkbox]:checked').count() === 1, 'the tick is kept');
    assert.equal(
      await page.locator('#assist-picker .pick-row', { has: page.locator('input:checked') }).locator('input.pick-task').inputValue(),
      '核实验收费用减免',
      'the task is kept',
    );
    await page.fill('#form-dispatch [name=working_days]', '3');
    await submit(page, '#form-dispatch');
    assert.equal(await status(page), 'dispatched');
    assert.equal(await page.locator('#assignments tbody tr').count(), 2);
    assert.match(await page.locator('#assignments tr:has-text("财政局")').innerText(), /核实验收费用减免/);
    assert.match(await page.locator('#timeline li[data-action=dispatch]').innerText(), /协办：财政局/);
    assert.equal(await page.locator('#case-version').count(), 0, 'no version number for users');
    await shot(page, 'case-dispatched');
    noErrors(page);
  });

  test('both departments accept and resolve their parts, the assisting one first', async () => {
    // The lead department's own staff.
    const dept = await as('gongxin');
    await dept.goto(url('/cases?bucket=to_accept'));
    await dept.locator('#cases-table', { hasText: title }).waitFor();
    await dept.goto(caseUrl);
    await submit(dept, '#form-accept');
    assert.equal(await status(dept), 'in_progress');
    // The lead cannot finish before the assisting part: no resolve form, the reason instead.
    assert.equal(await dept.locator('#form-resolve').count(), 0);
    assert.match(await dept.locator('#resolve-blocked').innerText(), /协办单位/);
    assert.equal(await status(dept), 'in_progress');

    // The finance bureau has no login in the demo: the administrator acts for it.
    const admin = await as('admin');
    await admin.goto(caseUrl);
    await admin.selectOption('#form-accept [name=unit_id]', { label: '财政局（协办）' });
    await submit(admin, '#form-accept');
    await admin.selectOption('#form-resolve [name=unit_id]', { label: '财政局（协办）' });
    await admin.fill('#form-resolve [name=solution]', '验收费用按政策减免');
    await submit(admin, '#form-resolve');
    assert.equal(
      await admin.getAttribute('#assignments tr:has-text("财政局") td[data-status]', 'data-status'),
      'resolved',
    );

    await dept.goto(caseUrl);
    await dept.fill('#form-resolve [name=solution]', '已协调消防部门上门验收，验收合格');
    await submit(dept, '#form-resolve');
    assert.equal(await status(dept), 'resolved');
    noErrors(dept);
    noErrors(admin);
  });

  test('the enterprise is not satisfied and the case reopens', async () => {
    const page = pages.qiye;
    await page.goto(caseUrl);
    assert.equal(await status(page), 'resolved');
    await page.check('#form-revisit [name=satisfaction][value=unsatisfied]');
    await page.check('#form-revisit [name=solved][value=false]');
    await page.fill('#form-revisit [name=note]', '验收合格证还没有拿到');
    await submit(page, '#form-revisit');
    assert.equal(await status(page), 'in_progress', 'unsatisfied reopens the case (重办)');
    const top = await page.locator('#timeline li').first().getAttribute('data-action');
    assert.equal(top, 'revisit');
    await shot(page, 'case-reopened');
    noErrors(page);
  });

  test('resolved again, revisited as satisfied, and closed', async () => {
    const dept = pages.gongxin;
    await dept.goto(caseUrl);
    await dept.fill('#form-resolve [name=solution]', '验收合格证已送达企业');
    await submit(dept, '#form-resolve');
    assert.equal(await status(dept), 'resolved');

    const ent = pages.qiye;
    await ent.goto(caseUrl);
    await ent.check('#form-revisit [name=satisfaction][value=satisfied]');
    await ent.check('#form-revisit [name=solved][value=true]');
    await submit(ent, '#form-revisit');
    assert.equal(await status(ent), 'revisited');

    const leader = pages.leader;
    await leader.goto(caseUrl);
    await submit(leader, '#form-close');
    assert.equal(await status(leader), 'closed');
    const actions = await leader.locator('#timeline li').evaluateAll((lis) =>
      lis.map((li) => li.getAttribute('data-action')).reverse(),
    );
    assert.deepEqual(actions, [
      'create', 'dispatch', 'accept', 'accept', 'resolve', 'resolve', 'revisit', 'resolve', 'revisit', 'close',
    ]);
    await shot(leader, 'case-closed');
    noErrors(leader);
  });

  test('a new case is refused, another merged into an open one as its duplicate', async () => {
    const qiye = pages.qiye;
    const raise = async (t) => {
      await qiye.goto(url('/appeal'));
      await qiye.selectOption('#appeal-form [name=category]', 'permits');
      await qiye.fill('#appeal-form [name=title]', t);
      await qiye.fill('#appeal-form [name=description]', '同一事项再次反映。');
      await Promise.all([qiye.waitForURL(/\/appeal\?done=/), qiye.click('#appeal-form button[type=submit]')]);
      const link = qiye.locator('a.appeal-item', { hasText: t });
      await link.waitFor();
      return url(await link.getAttribute('href'));
    };
    const refusedUrl = await raise(`要求全额补贴${tag}`);
    const dupUrl = await raise(`消防验收再次反映${tag}`);
    const openUrl = await raise(`消防验收首次反映${tag}`);
    const leader = pages.leader;

    await leader.goto(refusedUrl);
    await leader.locator('#form-reject summary').click();
    await leader.fill('#form-reject [name=note]', '不属于本级政府职权范围，已告知企业');
    leader.once('dialog', (d) => d.accept());
    await submit(leader, '#form-reject');
    assert.equal(await status(leader), 'rejected');
    assert.match(await leader.locator('#case-status').innerText(), /不予受理/);
    assert.equal(await leader.locator('#form-dispatch').count(), 0, 'nothing more to do');

    await leader.goto(dupUrl);
    await leader.locator('#form-merge summary').click();
    const openId = new URL(openUrl).pathname.split('/').pop();
    await leader.fill('#form-merge input[type=search]', '首次反映');
    await leader.selectOption('#form-merge [name=into_case_id]', openId);
    leader.once('dialog', (d) => d.accept());
    await submit(leader, '#form-merge');
    assert.equal(await status(leader), 'merged');
    assert.match(await leader.locator('#timeline li[data-action=merge]').innerText(), /合并到/);
    await leader.goto(openUrl);
    assert.match(await leader.locator('#timeline').innerText(), /合并了重复事项/);
    noErrors(leader);
  });

  test('the metrics page draws its charts and the ranking', async () => {
    const page = pages.leader;
    await page.goto(url('/cases/metrics'));
    await page.locator('#metrics-table tbody tr').first().waitFor();
    await poll(async () => (await page.locator('.chart canvas').count()) >= 2, {
      message: 'two ECharts canvases',
    });
    await page.waitForTimeout(1500); // let the chart animations finish before the picture
    assert.ok((await page.locator('#red-list li').count()) > 0, 'a red list');
    assert.ok((await page.locator('#black-list li').count()) > 0, 'a black list');
    await shot(page, 'case-metrics');
    noErrors(page);
  });
});
