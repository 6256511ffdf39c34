// Personnel screening in a browser (issue 14): a leader finds the person by name in one
// field, picks one of two people of that name, sees who they are, their own passages and the
// contacts with a fever badge, ticks two contacts and raises their follow-ups in one step;
// at 1440 and at 390 px (no page-wide horizontal scrolling on the phone).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ADMIN, ensureResultsDir, launchBrowser, login, newPage, poll, startServer, stopServer } from './helpers.js';

const PASSWORD = 'Lianxin@2020';

/** A valid GB 11643 identity number from a 17-digit body. */
function idNumber(body17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(body17[i]) * w[i];
  return body17 + '10X98765432'[sum % 11];
}

function freshId() {
  let tail = '';
  for (let i = 0; i < 3; i++) tail += Math.floor(Math.random() * 10);
  const day = String(10 + Math.floor(Math.random() * 18));
  return idNumber(`41010619${70 + Math.floor(Math.random() * 29)}05${day}${tail}`.slice(0, 17));
}

/** A two-character given name nobody in the demo has, so reruns on one database differ. */
function freshName() {
  const chars = '甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥';
  const pick = () => chars[Math.floor(Math.random() * chars.length)];
  return `司马${pick()}${pick()}${pick()}`;
}

describe('personnel screening: search, contacts, follow-ups', () => {
  let browser;
  let baseUrl;
  let token;
  const url = (p) => new URL(p, baseUrl).href;
  const shot = (page, name) =>
    page.screenshot({ path: path.join(ensureResultsDir(), `${name}.png`), fullPage: true });
  const name = freshName();
  let unitName;

  async function api(method, p, body, bearer = token) {
    const r = await fetch(url(p), {
      method,
      headers: { Authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    assert.ok(r.status < 300, `${method} ${p}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
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
    token = (await r.json()).token;
    const units = (await api('GET', '/api/v1/units?kind=community&page_size=50')).items;
    assert.ok(units.length >= 2, 'two communities in the demo');
    unitName = units[0].name;
    // Two people of the same name in two communities; the first one is screened.
    const x = freshId();
    await api('POST', '/api/v1/people', { name, unit_id: units[0].id, id_number: x, phone: '13903710123' });
    await api('POST', '/api/v1/people', { name, unit_id: units[1].id, id_number: freshId() });
    const cp = await api('POST', '/api/v1/checkpoints', {
      name: `${unitName}排查测试门`,
      kind: 'community_gate',
      unit_id: units[0].id,
    });
    const dev = await api('POST', '/api/v1/devices', { checkpoint_id: cp.id, name: '排查测试测温门' });
    const at = (minutes) => new Date(Date.now() - minutes * 60_000).toISOString();
    const p = (seq, id, who, temperature, minutes) => ({
      device_seq: seq, id_number: id, name: who, temperature, direction: 'in', at: at(minutes),
    });
    await api('POST', '/api/v1/passages', [
      p(1, x, name, 365, 120),
      p(2, freshId(), '发热接触者', 386, 115),
      p(3, freshId(), '接触者乙', 365, 110),
      p(4, freshId(), '接触者丙', 364, 100),
    ], dev.token);
  });

  after(async () => {
    try {
      if (browser) await browser.close();
    } catch {}
    await stopServer();
  });

  for (const width of [1440, 390]) {
    test(`at ${width} px: find by name, pick one, see the fever badge, raise two follow-ups`, async () => {
      const phone = width < 500;
      const page = await newPage(browser, {
        viewport: { width, height: phone ? 844 : 900 },
        ...(phone ? { isMobile: true, hasTouch: true } : {}),
      });
      try {
        await login(page, baseUrl, 'leader', PASSWORD);
        await page.goto(url('/screening'));
        await page.fill('#screening-q', name);
        await page.fill('#screening-form input[name=days]', '1');
        await Promise.all([page.waitForURL(/\/screening\?/), page.click('#screening-form button[type=submit]')]);
        const matches = page.locator('#screening-matches tbody tr');
        assert.equal(await matches.count(), 2, 'two people of that name to choose from');
        assert.match(await page.textContent('#screening-matches'), /\*{4}/, 'numbers masked');
        await Promise.all([
          page.waitForURL(/person_id=/),
          page.locator('#screening-matches tbody tr', { hasText: unitName }).locator('.pick-person').click(),
        ]);
        assert.match(await page.textContent('#screened-person'), new RegExp(name));
        assert.match(await page.textContent('#own-passages'), /排查测试门/);
        assert.ok((await page.locator('#contacts-table .fever-badge').count()) >= 1, 'a fever badge');
        // Fevers rank first; names are masked for a leader.
        assert.equal(await page.locator('#contacts-table tbody tr:first-child .fever-badge').count(), 1);
        assert.match(await page.textContent('#contacts-table tbody tr:first-child'), /38\.6/);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 1, `no page-wide horizontal scrolling (${overflow}px)`);
        await shot(page, `screening-search-${width}`);

        const boxes = page.locator('#contacts-table input[name=contact_ids]');
        await boxes.nth(0).check();
        await boxes.nth(1).check();
        await page.fill('#followups-bar input[name=note]', '请社区跟进');
        await Promise.all([page.waitForURL(/raised=/), page.click('#raise-followups')]);
        await poll(async () => /已发起随访/.test(await page.textContent('#followups-notice')), {
          message: 'the follow-ups notice',
        });
        // 只看发热: only the contact with a fever is left.
        await page.check('#fever-only');
        await Promise.all([page.waitForURL(/fever_only=1/), page.click('#screening-form button[type=submit]')]);
        const rows = page.locator('#contacts-table tbody tr');
        assert.equal(await rows.count(), 1);
        assert.equal(await page.locator('#contacts-table .fever-badge').count(), 1);
        assert.deepEqual(page.lianxinErrors, []);
      } finally {
        await page.context().close();
      }
    });
  }
});
