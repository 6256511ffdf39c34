// Screening in a browser (issue 4): a volunteer signs in to a shift on the phone entry page,
// records a normal and a fever passage, keeps recording with the network cut (the page is
// served by its service worker and the passages wait in IndexedDB), a send whose answer is
// lost is not doubled, and the fever appears on the district's screening dashboard.
// An organiser books a shift on the roster page and sees the gaps.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  ADMIN,
  ensureResultsDir,
  launchBrowser,
  login,
  newPage,
  poll,
  startServer,
  stopServer,
} from './helpers.js';

const PASSWORD = 'Lianxin@2020';

/** A valid GB 11643 identity number from a 17-digit body. */
function idNumber(body17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(body17[i]) * w[i];
  return body17 + '10X98765432'[sum % 11];
}

/** A random body so that reruns against one database never collide. */
function freshId() {
  let tail = '';
  for (let i = 0; i < 3; i++) tail += Math.floor(Math.random() * 10);
  const day = String(10 + Math.floor(Math.random() * 18));
  return idNumber(`41010619${70 + Math.floor(Math.random() * 29)}03${day}${tail}`.slice(0, 17));
}

describe('screening', () => {
  let browser;
  let baseUrl;
  let phone;
  let adminToken;
  const url = (p) => new URL(p, baseUrl).href;
  const shot = (page, name) =>
    page.screenshot({ path: path.join(ensureResultsDir(), `${name}.png`), fullPage: true });
  const ids = { normal: freshId(), fever: freshId(), offline: freshId(), flaky: freshId() };

  /** Passages of one person, through the API as the administrator (unmasked is not needed). */
  async function passagesOf(id, name) {
    // The person's own passages are not in the contacts; count them from the list instead.
    const list = await fetch(url('/api/v1/passages?page_size=200'), {
      headers: { Authorization: `Bearer ${adminToken}` },
    });
    const body = await list.json();
    const masked = id.slice(0, 3) + '*'.repeat(11) + id.slice(14);
    return body.items.filter((p) => p.id_masked === masked && p.name === name);
  }

  async function save(page, { id, name, temp, direction = 'in' }) {
    await page.fill('#id_number', id);
    if (name) await page.fill('#name', name);
    await page.fill('#temperature', temp);
    await page.check(`input[name=direction][value=${direction}]`);
    await page.click('#save-btn');
    await poll(async () => (await page.textContent('#last-result')).includes(name), {
      message: `${name} saved`,
    });
  }

  const pending = async (page) => Number(await page.textContent('#pending-count'));

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
      if (phone) await phone.context().close();
    } catch {}
    try {
      if (browser) await browser.close();
    } catch {}
    await stopServer();
  });

  test('a volunteer signs in to the shift and records a normal and a fever passage', async () => {
    phone = await newPage(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await phone.goto(url('/login'));
    await phone.fill('input[name=username]', 'volunteer');
    await phone.fill('input[name=password]', PASSWORD);
    // A volunteer's home is the entry page.
    await Promise.all([phone.waitForURL(/\/screening\/entry$/), phone.click('button[type=submit]')]);
    // On PostgreSQL the browser tests share one database: an earlier file (the phone pages)
    // may have left the volunteer on duty. Otherwise the form waits for the shift's sign-in.
    const signIn = phone.locator('#shifts .sign-in').first();
    const card = phone.locator('#entry-card');
    const first = await Promise.race([
      signIn.waitFor().then(() => 'sign-in'),
      card.waitFor({ state: 'visible' }).then(() => 'on duty'),
    ]);
    if (first === 'sign-in') {
      assert.equal(await phone.isHidden('#entry-card'), true, 'no entry form before signing in');
      await signIn.click();
    }
    await card.waitFor({ state: 'visible' });
    assert.match(await phone.textContent('#entry-checkpoint'), /济源路社区东门卡口/);
    assert.match(await phone.textContent('#shifts'), /在岗/);

    // A typo in the identity number is caught on the phone.
    await phone.fill('#id_number', ids.normal.slice(0, 17) + (ids.normal[17] === '0' ? '1' : '0'));
    await phone.fill('#temperature', '36.5');
    await phone.click('#save-btn');
    assert.match(await phone.textContent('#entry-error'), /身份证号不正确/);

    await save(phone, { id: ids.normal, name: '王建国', temp: '36.5' });
    await poll(async () => (await pending(phone)) === 0, { message: 'the normal passage sent' });
    // The recent list is drawn again after the answer: wait for it, not for the queue alone.
    await poll(async () => /王建国.*36\.5℃.*已发送/.test(await phone.textContent('#recent')), {
      message: 'the normal passage shown as sent',
    });
    // The form is ready for the next person.
    assert.equal(await phone.inputValue('#id_number'), '');
    assert.equal(await phone.inputValue('#temperature'), '');

    await save(phone, { id: ids.fever, name: '李秀英', temp: '38.4', direction: 'out' });
    assert.match(await phone.textContent('#last-result'), /体温异常/);
    await poll(async () => (await pending(phone)) === 0, { message: 'the fever passage sent' });
    assert.equal((await passagesOf(ids.normal, '王建国')).length, 1);
    let fever = await passagesOf(ids.fever, '李秀英');
    assert.equal(fever.length, 1);
    assert.equal(fever[0].fever, true);
    // The follow-up worker raises the case just after the passage is stored.
    await poll(async () => {
      fever = await passagesOf(ids.fever, '李秀英');
      return Boolean(fever[0].case_id);
    }, { message: 'the fever raised a follow-up case' });
    await shot(phone, 'screening-entry');
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
    assert.equal(overflow, false, 'the entry page fits a phone');
    assert.deepEqual(phone.lianxinErrors, []);
  });

  test('with the network cut, passages wait on the phone and are sent once when it returns', async () => {
    // The service worker controls the page once it is active.
    await poll(() => phone.evaluate(() => !!navigator.serviceWorker.controller), {
      timeout: 15_000,
      message: 'the service worker controls the page',
    });
    await phone.context().setOffline(true);
    await save(phone, { id: ids.offline, name: '赵丽', temp: '36.7' });
    assert.match(await phone.textContent('#last-result'), /待发送/);
    assert.equal(await pending(phone), 1);
    await poll(async () => /离线/.test(await phone.textContent('#net-state')), { message: 'offline shown' });
    // The page itself opens without a network (served by the service worker), the queue intact.
    await phone.reload();
    await phone.locator('#entry-card').waitFor({ state: 'visible' });
    assert.equal(await pending(phone), 1);
    await shot(phone, 'screening-entry-offline');
    assert.equal((await passagesOf(ids.offline, '赵丽')).length, 0, 'nothing reached the server yet');

    await phone.context().setOffline(false);
    await poll(async () => (await pending(phone)) === 0, { timeout: 20_000, message: 'the queue drained' });
    assert.equal((await passagesOf(ids.offline, '赵丽')).length, 1);
  });

  test('a send whose answer is lost is sent again and not doubled', async () => {
    let dropped = 0;
    const answers = [];
    await phone.route('**/api/v1/checkpoints/*/passages', async (route) => {
      const res = await route.fetch(); // the server stores it ...
      if (dropped === 0) {
        dropped += 1;
        assert.equal(res.status(), 200);
        await route.abort('connectionreset'); // ... and the first answer never arrives
      } else {
        answers.push(await res.json());
        await route.fulfill({ response: res });
      }
    });
    await save(phone, { id: ids.flaky, name: '孙强', temp: '36.3' });
    await poll(async () => dropped === 1, { message: 'the first send was cut' });
    assert.equal((await passagesOf(ids.flaky, '孙强')).length, 1, 'the server has it');
    // The phone sends it again (now, or on its own within 15 s).
    await phone.click('#send-now');
    await poll(async () => (await pending(phone)) === 0, { timeout: 20_000, message: 'resent' });
    assert.ok(answers.some((a) => a.duplicates === 1 && a.accepted === 0), JSON.stringify(answers));
    assert.equal((await passagesOf(ids.flaky, '孙强')).length, 1, 'not doubled');
    await poll(async () => /孙强.*已发送/.test(await phone.textContent('#recent')), {
      message: 'shown as sent',
    });
    await phone.unroute('**/api/v1/checkpoints/*/passages');
  });

  test('the fever appears on the screening dashboard, which refreshes itself', async () => {
    const page = await newPage(browser);
    await login(page, baseUrl, 'admin', PASSWORD);
    await page.goto(url('/screening/dashboard'));
    const table = page.locator('#dash-fever-table');
    await table.waitFor();
    assert.match(await table.textContent(), /38\.4 ℃/);
    assert.match(await table.textContent(), /济源路社区东门卡口/);
    const fevers = Number(await page.textContent('#dash-fevers'));
    assert.ok(fevers >= 1);
    await page.locator('.chart canvas').first().waitFor();
    // Another fever at the gate: the dashboard shows it without a reload.
    await save(phone, { id: freshId(), name: '周敏', temp: '38.9' });
    await poll(async () => (await pending(phone)) === 0, { message: 'second fever sent' });
    await poll(async () => Number(await page.textContent('#dash-fevers')) === fevers + 1, {
      timeout: 25_000,
      message: 'the dashboard refreshed',
    });
    assert.match(await table.textContent(), /38\.9 ℃/);
    await shot(page, 'screening-dashboard');
    assert.deepEqual(page.lianxinErrors, []);
    await page.context().close();
  });

  test('an organiser books a volunteer on the roster and sees the gaps', async () => {
    const page = await newPage(browser);
    await login(page, baseUrl, 'admin', PASSWORD);
    await page.goto(url('/duty'));
    await page.locator('#roster').waitFor();
    assert.match(await page.textContent('#coverage-table'), /在岗/);
    // A Monday in three weeks on the second checkpoint (a community gate staffed 07:00-23:00).
    const second = await page.locator('#duty-filter select[name=checkpoint_id] option').nth(1).getAttribute('value');
    const d = new Date(Date.now() + 8 * 3600 * 1000);
    const monday = new Date(d);
    monday.setUTCDate(d.getUTCDate() + ((8 - d.getUTCDay()) % 7 || 7) + 14); // past the demo's roster
    const day = monday.toISOString().slice(0, 10);
    await page.goto(url(`/duty?checkpoint_id=${second}&week=${day}`));
    await page.selectOption('#user_id', { index: 1 });
    await page.fill('#date', day);
    await page.fill('#start', '09:00');
    await page.fill('#end', '13:00');
    await Promise.all([page.waitForURL(/\/duty\?checkpoint_id=/), page.click('#shift-form button[type=submit]')]);
    const cell = page.locator(`td.roster-day[data-date="${day}"]`);
    assert.match(await cell.textContent(), /09:00-13:00/);
    assert.match(await cell.textContent(), /空档\s*13:00-15:00|空档\s*07:00-09:00/);
    // The same volunteer again at an overlapping time: refused with the reason, nothing added.
    await page.selectOption('#user_id', { index: 1 });
    await page.fill('#date', day);
    await page.fill('#start', '12:00');
    await page.fill('#end', '14:00');
    await page.click('#shift-form button[type=submit]');
    await page.locator('#duty-error').waitFor();
    assert.match(await page.textContent('#duty-error'), /不能重叠/);
    await shot(page, 'duty-roster');
    assert.deepEqual(page.lianxinErrors, []);
    await page.context().close();
  });
});
