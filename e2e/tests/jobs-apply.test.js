// Applications without an account at phone width (issue 16): a person finds a job on the
// public board without signing in, opens it, applies, gets a reference and follows the answer; the firm's
// contact answers the application in one click (htmx swaps the row) and the applicant's status
// page shows the invitation; the district's assistance staff see an assistance target's
// application. No page scrolls sideways at 390 px.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ADMIN, ensureResultsDir, launchBrowser, newPage, signIn, startServer, stopServer, uniqueTag } from './helpers.js';

const PASSWORD = 'Lianxin@2020';
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
const FIRM = '郑州长城科工贸有限公司';

describe('applying for a job on a phone', () => {
  let browser;
  let baseUrl;
  let adminToken;
  const url = (p) => new URL(p, baseUrl).href;
  const shot = (page, name) =>
    page.screenshot({ path: path.join(ensureResultsDir(), `jobs-${name}.png`), fullPage: true });
  const sideways = (page) =>
    page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

  async function api(method, p, body) {
    const r = await fetch(url(p), {
      method,
      headers: { Authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    const v = await r.json();
    assert.ok(r.status < 300, `${method} ${p}: ${r.status} ${JSON.stringify(v)}`);
    return v;
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

  test('a person applies without an account and the firm invites them in one click', async () => {
    const tag = uniqueTag();
    const title = `数控车床操作工 ${tag}`;
    const firms = await api('GET', `/api/v1/enterprises?q=${encodeURIComponent(FIRM)}`);
    const closes = new Date(Date.now() + 30 * 86400_000).toISOString().slice(0, 10);
    const job = await api('POST', '/api/v1/jobs', {
      enterprise_id: firms.items[0].id,
      title,
      positions: 2,
      salary_min_fen: 450000,
      salary_max_fen: 650000,
      place: '上街区工业园区长城路 8 号',
      closes_on: closes,
      employment_aid: true,
    });

    // The applicant: no cookie, a phone. They find the job on the public board by searching,
    // open it and apply.
    const person = await newPage(browser, PHONE);
    await person.goto(url('/jobs'));
    assert.ok((await sideways(person)) <= 0, 'the board does not scroll sideways');
    await person.fill('#q', tag);
    await Promise.all([person.waitForURL(/\/jobs\?/), person.press('#q', 'Enter')]);
    const found = person.locator('#board-results a.job-card', { hasText: title });
    await found.waitFor();
    await shot(person, 'board');
    await Promise.all([person.waitForURL(new RegExp(`/jobs/${job.id}$`)), found.click()]);
    assert.ok((await person.locator('#job').innerText()).includes(title));
    assert.ok((await sideways(person)) <= 0, 'the job page does not scroll sideways');
    await shot(person, 'job');
    await Promise.all([person.waitForURL(new RegExp(`/jobs/${job.id}/apply$`)), person.click('#apply')]);
    assert.ok((await person.content()).includes(title));
    await person.fill('#f-name', '王小明');
    await person.fill('#f-phone', '13903719876');
    await person.fill('#f-message', '有三年数控车床经验，可以上夜班。');
    await person.selectOption('#f-assistance', 'long_term_unemployed');
    assert.ok((await sideways(person)) <= 0, 'the apply form does not scroll sideways');
    await shot(person, 'apply-form');
    await Promise.all([person.waitForLoadState('load'), person.click('#apply-form button[type=submit]')]);
    const reference = (await person.locator('#reference').innerText()).trim();
    assert.match(reference, /^[2-9A-HJKMNP-Z]{12,}$/, 'a reference without look-alikes');
    assert.ok((await sideways(person)) <= 0, 'the reference page does not scroll sideways');
    await shot(person, 'apply-done');
    await Promise.all([person.waitForURL(/\/jobs\/applications\//), person.click('#status-link')]);
    assert.equal((await person.locator('#status').innerText()).trim(), '待处理');

    // The firm's contact answers on a phone.
    const contact = await newPage(browser, PHONE);
    await signIn(contact, baseUrl, 'qiye', PASSWORD);
    await contact.goto(url(`/recruitment/${job.id}/applications`));
    const row = contact.locator('#applications tbody tr', { hasText: '王小明' });
    await row.waitFor();
    assert.ok((await row.innerText()).includes('13903719876'), 'the firm sees the phone to call');
    assert.ok((await sideways(contact)) <= 0, 'the applications do not scroll sideways');
    await shot(contact, 'applications');
    await row.locator('button[data-action=invite]').click();
    await contact
      .locator('#applications tbody tr', { hasText: '王小明' })
      .locator('button[data-action=hire]')
      .waitFor();
    await shot(contact, 'invited');

    await person.reload();
    assert.equal((await person.locator('#status').innerText()).trim(), '已邀请面试');

    // The district's assistance staff see the assistance target.
    const staff = await newPage(browser, PHONE);
    await signIn(staff, baseUrl, ADMIN.username, ADMIN.password);
    await staff.goto(url('/employment/assistance?assistance=long_term_unemployed'));
    const card = staff.locator('.card', { hasText: '王小明' });
    await card.first().waitFor();
    assert.ok((await sideways(staff)) <= 0, 'the assistance page does not scroll sideways');
    await shot(staff, 'assistance');
    await person.close();
    await contact.close();
    await staff.close();
  });
});
