// Enterprise service at phone width (issue 15): a paired cadre records a 三送一强 visit with two
// problems, each handed over on the spot to a lead department; the two appeals appear in those
// departments' to-do lists. The enterprise contact reports the firm's resumption stage and the
// cadre confirms it. No page scrolls sideways at 390 px.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ADMIN, ensureResultsDir, launchBrowser, newPage, signIn, startServer, stopServer, uniqueTag } from './helpers.js';

const PASSWORD = 'Lianxin@2020';
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
const FIRM = '郑州长城科工贸有限公司';

describe('enterprise service on a phone', () => {
  let browser;
  let baseUrl;
  let adminToken;
  const url = (p) => new URL(p, baseUrl).href;
  const shot = (page, name) =>
    page.screenshot({ path: path.join(ensureResultsDir(), `recovery-${name}.png`), fullPage: true });
  const sideways = (page) =>
    page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

  async function api(p) {
    const r = await fetch(url(p), { headers: { Authorization: `Bearer ${adminToken}` } });
    assert.equal(r.status, 200, `GET ${p}`);
    return r.json();
  }

  before(async () => {
    ensureResultsDir();
    ({ baseUrl } = await startServer());
    browser = await launchBrowser();
    const r = await fetch(url('/api/v1/auth/token'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    adminToken = (await r.json()).token;
  });

  after(async () => {
    try {
      if (browser) await browser.close();
    } catch {}
    await stopServer();
  });

  test('a cadre records a visit with two problems; each lands with its lead department', async () => {
    const tag = uniqueTag();
    const titles = [`厂区道路破损影响物流 ${tag}`, `新招员工社保登记 ${tag}`];
    const leads = ['工业和信息化局', '人力资源和社会保障局'];
    const page = await newPage(browser, PHONE);
    await signIn(page, baseUrl, 'cadre', PASSWORD);
    await page.goto(url('/visits/new'));
    const firm = page.locator('#enterprise_id option', { hasText: FIRM });
    const firmId = await firm.getAttribute('value');
    assert.ok(firmId, 'the paired firm is offered');
    await page.selectOption('#enterprise_id', firmId);
    // The firm's burden and the figures it already reported come in beside the form.
    await page.locator('#burden').waitFor();
    await page.fill('#visited_at', '2020-03-19T10:00');
    await page.fill('#policy', '讲解阶段性减免社保费政策');
    await page.fill('#confidence', '帮助企业稳定订单预期');
    for (let i = 0; i < 2; i++) {
      await page.fill(`#p-title-${i}`, titles[i]);
      await page.fill(`#p-desc-${i}`, '走访时企业提出');
      const lead = page.locator(`#p-lead-${i} option`, { hasText: leads[i] });
      await page.selectOption(`#p-lead-${i}`, await lead.first().getAttribute('value'));
    }
    assert.ok((await sideways(page)) <= 0, 'the visit form does not scroll sideways');
    await shot(page, 'visit-form');
    await Promise.all([page.waitForURL(/\/visits\/\d+$/), page.click('#visit-form button[type=submit]')]);
    const html = await page.content();
    for (const t of titles) assert.ok(html.includes(t), `the visit shows the problem “${t}”`);
    assert.ok((await sideways(page)) <= 0, 'the visit page does not scroll sideways');
    await shot(page, 'visit');

    // Two appeals, each dispatched to its lead department.
    const found = await api(`/api/v1/cases?q=${encodeURIComponent(tag)}&scope=all&page_size=50`);
    assert.equal(found.total, 2, `two appeals: ${JSON.stringify(found.items?.map((c) => c.title))}`);
    for (const c of found.items) {
      const d = await api(`/api/v1/cases/${c.id}`);
      assert.equal(d.status, 'dispatched', `${c.title} is dispatched`);
      const i = titles.indexOf(d.title);
      const leadName = JSON.stringify(d.assignments ?? d);
      assert.ok(leadName.includes(leads[i]), `${d.title} is led by ${leads[i]}`);
    }
    // The industry bureau's staff find theirs in their to-do list, on a phone too.
    const dept = await newPage(browser, PHONE);
    await signIn(dept, baseUrl, 'gongxin', PASSWORD);
    await dept.goto(url('/cases?bucket=to_accept'));
    const todo = await dept.content();
    assert.ok(todo.includes(titles[0]), 'the first problem waits to be accepted by 工业和信息化局');
    assert.ok(!todo.includes(titles[1]), 'the second is another department’s');
    assert.ok((await sideways(dept)) <= 0, 'the to-do list does not scroll sideways');
    await shot(dept, 'todo');
    await page.close();
    await dept.close();
  });

  test('the contact reports the firm’s stage on a phone and its paired cadre confirms it', async () => {
    const firms = await api(`/api/v1/enterprises?q=${encodeURIComponent(FIRM)}`);
    const firmId = firms.items[0].id;
    const contact = await newPage(browser, PHONE);
    await signIn(contact, baseUrl, 'qiye', PASSWORD);
    await contact.goto(url('/recovery/stages'));
    const today = await contact.inputValue('#f-on');
    await contact.fill('#f-workers_back', '90');
    await contact.fill('#f-workers_total', '100');
    await contact.fill('#f-capacity_pct', '96');
    assert.ok((await sideways(contact)) <= 0, 'the stage form does not scroll sideways');
    await Promise.all([contact.waitForLoadState('load'), contact.click('#stage-form button[type=submit]')]);
    await contact.locator('#stage-suggested').waitFor();
    await shot(contact, 'stage-reported');
    const before = await api(`/api/v1/enterprises/${firmId}/stages`);
    const list = Array.isArray(before) ? before : before.items;
    const reported = list.find((r) => r.on === today || r.on_date === today);
    assert.ok(reported, `today's report is in the history: ${JSON.stringify(list[0])}`);
    assert.equal(reported.confirmed, false);

    const cadre = await newPage(browser, PHONE);
    await signIn(cadre, baseUrl, 'cadre', PASSWORD);
    await cadre.goto(url('/recovery/stages'));
    const row = cadre.locator('#stage-awaiting tr', { hasText: FIRM }).filter({ hasText: today });
    await row.first().waitFor();
    assert.ok((await sideways(cadre)) <= 0, 'the confirmations do not scroll sideways');
    await shot(cadre, 'stage-awaiting');
    await Promise.all([cadre.waitForLoadState('load'), row.first().locator('button[type=submit]').click()]);
    const after = await api(`/api/v1/enterprises/${firmId}/stages`);
    const now = (Array.isArray(after) ? after : after.items).find((r) => r.id === reported.id);
    assert.equal(now.confirmed, true, 'the paired cadre confirmed the report');
    await contact.close();
    await cadre.close();
  });
});
