// The phone pages of issue 14, at 360 and 390 px: the volunteer's one search field (identity
// number, phone, a name in the checkpoint's community; one hit is taken without a second tap),
// the enterprise contact's health report as one card per employee, and the appeal with a
// photo and an urgency. No page scrolls sideways.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ADMIN, ensureResultsDir, launchBrowser, newPage, poll, signIn, startServer, stopServer } from './helpers.js';

const PASSWORD = 'Lianxin@2020';
const PHONE = (width) => ({
  viewport: { width, height: width === 360 ? 800 : 844 },
  isMobile: true,
  hasTouch: true,
});

describe('phone pages', () => {
  let browser;
  let baseUrl;
  let adminToken;
  const url = (p) => new URL(p, baseUrl).href;
  const shot = (page, name) =>
    page.screenshot({ path: path.join(ensureResultsDir(), `phone-${name}.png`), fullPage: true });
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

  /** People registered in the community of the volunteer's checkpoint (the administrator sees their numbers). */
  async function communityPeople() {
    const cps = await api('/api/v1/checkpoints?page_size=500');
    const list = Array.isArray(cps) ? cps : cps.items;
    const cp = list.find((c) => c.name === '济源路社区东门卡口');
    assert.ok(cp, 'the demo checkpoint');
    const people = await api(`/api/v1/people?unit_id=${cp.unit_id}&page_size=500`);
    const items = people.items.filter((p) => p.id_number && /^\d{17}[\dX]$/.test(p.id_number));
    assert.ok(items.length >= 3, `people in the community: ${items.length}`);
    return items;
  }

  async function lookup(page, q) {
    await page.fill('#lookup-q', q);
    await page.click('#lookup-btn');
  }

  for (const width of [360, 390]) {
    test(`the volunteer finds people by identity number, phone and name at ${width} px`, async () => {
      const people = await communityPeople();
      const count = (name) => people.filter((p) => p.name === name).length;
      const byName = people.find((p) => count(p.name) === 1 && !/[%_]/.test(p.name));
      const byPhone = people.find((p) => p.phone && /^1\d{10}$/.test(p.phone) && p !== byName);
      const byId = people.find((p) => p !== byName && p !== byPhone);
      assert.ok(byName && byPhone && byId, 'three people to find');

      const page = await newPage(browser, PHONE(width));
      await signIn(page, baseUrl, 'volunteer', PASSWORD);
      const signInBtn = page.locator('#shifts .sign-in').first();
      await Promise.race([
        signInBtn.waitFor().then(() => signInBtn.click()),
        page.locator('#entry-card').waitFor({ state: 'visible' }),
      ]);
      await page.locator('#entry-card').waitFor({ state: 'visible' });

      // The identity number: one hit, taken at once (no second tap).
      await lookup(page, byId.id_number);
      await page.locator('#chosen').waitFor({ state: 'visible' });
      assert.match(await page.textContent('#chosen'), new RegExp(byId.name));
      assert.equal(await page.locator('.lookup-hit').count(), 0);
      await page.fill('#temperature', '36.4');
      await page.click('#save-btn');
      await poll(async () => (await page.textContent('#last-result')).includes(byId.name), {
        message: 'saved by identity number',
      });

      // The phone.
      await lookup(page, byPhone.phone);
      await poll(async () => (await page.textContent('#chosen')).includes(byPhone.name), {
        message: 'found by phone',
      });
      await page.click('#chosen button'); // not this one after all

      // A name in the community (today's gate is a community gate, not an enterprise's).
      await lookup(page, byName.name);
      await poll(async () => (await page.textContent('#chosen')).includes(byName.name), {
        message: `found ${byName.name} by name`,
      });
      await page.fill('#temperature', '36.6');
      await page.click('#save-btn');
      await poll(async () => (await page.textContent('#last-result')).includes(byName.name), {
        message: 'saved by name',
      });

      // A common surname: several hits to choose from, and the list fits the phone.
      const surnames = {};
      for (const p of people) surnames[p.name[0]] = (surnames[p.name[0]] || 0) + 1;
      const common = Object.keys(surnames).sort((a, b) => surnames[b] - surnames[a])[0];
      await lookup(page, common);
      await page.locator('.lookup-hit').first().waitFor();
      assert.ok((await page.locator('.lookup-hit').count()) > 1, `several called ${common}…`);
      assert.ok((await sideways(page)) <= 1, `the hits fit ${width} px`);
      await shot(page, `entry-${width}`);
      await page.locator('.lookup-hit').first().click();
      await page.locator('#chosen').waitFor({ state: 'visible' });

      // A visitor's number typed in the search field alone is enough to save.
      await page.click('#chosen button');
      await lookup(page, '110101199003074477');
      await poll(async () => (await page.inputValue('#id_number')) === '110101199003074477', {
        message: 'the unknown number moves to the visitor field',
      });
      await page.fill('#temperature', '36.5');
      await page.click('#save-btn');
      await poll(async () => /110\*+4477/.test(await page.textContent('#last-result')), {
        message: 'the visitor saved',
      });
      assert.equal(await page.textContent('#entry-error'), '');
      assert.ok((await sideways(page)) <= 1, `the entry page fits ${width} px`);
      assert.deepEqual(page.lianxinErrors, []);
      await page.context().close();
    });

    test(`the enterprise contact's health report is one card per employee at ${width} px`, async () => {
      const page = await newPage(browser, PHONE(width));
      await signIn(page, baseUrl, 'qiye', PASSWORD);
      await page.goto(url('/health'));
      const rows = page.locator('#health-roster tbody tr[id^=row-]');
      await rows.first().waitFor();
      assert.equal(await page.isVisible('#health-roster thead'), false, 'no table head on a phone');
      const box = await rows.first().boundingBox();
      assert.ok(box.width <= width, `a card ${box.width} px wide`);
      // Each field is labelled on the card, and a temperature shows whole.
      const first = rows.first();
      const label = await first
        .locator('td[data-label]')
        .first()
        .evaluate((td) => window.getComputedStyle(td, '::before').content);
      assert.match(label, /身份证号/);
      const t = first.locator('input[name^=t_]');
      await t.fill('36.5');
      const fits = await t.evaluate((el) => el.scrollWidth <= el.clientWidth && el.clientWidth >= 60);
      assert.ok(fits, 'the temperature is not cut');
      assert.ok((await sideways(page)) <= 1, `the health page fits ${width} px`);
      await shot(page, `health-${width}`);
      assert.deepEqual(page.lianxinErrors, []);
      await page.context().close();
    });

    test(`the enterprise contact appeals with a photo and an urgency at ${width} px`, async () => {
      const page = await newPage(browser, PHONE(width));
      await signIn(page, baseUrl, 'qiye', PASSWORD);
      await page.goto(url('/appeal'));
      const title = `厂区门前道路塌陷（${width}）${Date.now() % 100000}`;
      await page.selectOption('#appeal-form [name=category]', 'permits');
      await page.fill('#appeal-form [name=title]', title);
      await page.check('#appeal-form input[name=priority][value=urgent]');
      await page.setInputFiles('#photo', {
        name: '现场.png',
        mimeType: 'image/png',
        buffer: Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'),
      });
      assert.ok((await sideways(page)) <= 1, `the appeal page fits ${width} px`);
      await shot(page, `appeal-${width}`);
      await Promise.all([page.waitForURL(/\/appeal\?done=/), page.click('#appeal-form button[type=submit]')]);
      await page.locator('#appeal-done').waitFor();
      const number = new URL(page.url()).searchParams.get('done');
      const list = await api(`/api/v1/cases?q=${encodeURIComponent(number)}`);
      const c = await api(`/api/v1/cases/${list.items[0].id}`);
      assert.equal(c.title, title);
      assert.equal(c.priority, 'urgent');
      assert.equal(c.attachments.length, 1);
      assert.equal(c.attachments[0].filename, '现场.png');
      assert.deepEqual(page.lianxinErrors, []);
      await page.context().close();
    });
  }
});
