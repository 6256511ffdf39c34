// Employees' daily health reports in a browser (issue 4, C9): the enterprise contact fills in
// today's roster form (one fever among them), the fever raises a follow-up case, the list of
// who has not reported shrinks, and a district official sees the enterprise's completion.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ensureResultsDir, launchBrowser, login, newPage, startServer, stopServer } from './helpers.js';

const PASSWORD = 'Lianxin@2020';

describe('health reports', () => {
  let browser;
  let baseUrl;
  const url = (p) => new URL(p, baseUrl).href;
  const shot = (page, name) =>
    page.screenshot({ path: path.join(ensureResultsDir(), `${name}.png`), fullPage: true });

  before(async () => {
    ensureResultsDir();
    ({ baseUrl } = await startServer());
    browser = await launchBrowser();
  });

  after(async () => {
    try {
      if (browser) await browser.close();
    } catch {}
    await stopServer();
  });

  test('an enterprise contact reports the roster; the fever becomes a case; the district sees it', async () => {
    const page = await newPage(browser);
    await login(page, baseUrl, 'qiye', PASSWORD);
    await page.goto(url('/health'));
    const rows = page.locator('#health-roster tbody tr[id^=row-]');
    await rows.first().waitFor();
    const n = await rows.count();
    assert.ok(n >= 3, `a roster of ${n}`);
    const missingBefore = await page.locator('#health-missing li').count();
    // Fill every row not reported yet (36.4) and give the first employee a fever and a cough.
    const ids = [];
    for (let i = 0; i < n; i++) ids.push((await rows.nth(i).getAttribute('id')).slice(4));
    for (const [i, id] of ids.entries()) {
      const t = page.locator(`[name="t_${id}"]`);
      if (i === 0) await t.fill('38.2');
      else if ((await t.inputValue()) === '') await t.fill('36.4');
    }
    await page.check(`[name="s_${ids[0]}"][value="cough"]`);
    await Promise.all([page.waitForLoadState('load'), page.click('#health-submit')]);
    await page.locator('#health-notice').waitFor();
    assert.equal(await page.locator('#health-missing li').count(), 0, `missing was ${missingBefore}`);
    assert.equal(await page.getAttribute(`#row-${ids[0]}`, 'class'), 'fever');
    await shot(page, 'health-roster');

    // A bad temperature refuses the whole form, keeps the input and names the row.
    await page.fill(`[name="t_${ids[0]}"]`, '48');
    await page.click('#health-submit');
    await page.locator('#health-error').waitFor();
    assert.equal(await page.inputValue(`[name="t_${ids[0]}"]`), '48');
    assert.deepEqual(page.lianxinErrors, []);
    await page.context().close();

    // The district: the enterprise's completion today, and the follow-up case for the fever.
    const leader = await newPage(browser);
    await login(leader, baseUrl, 'leader', PASSWORD);
    // The completion list is paged, least complete first: the district sorts it by fevers.
    await leader.goto(url('/health?sort=fevers&order=desc&page_size=500'));
    const row = leader.locator('#health-completion tr', { hasText: '郑州长城科工贸有限公司' });
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    assert.equal(cells[1].trim(), cells[2].trim(), `everyone reported: ${cells.join(' | ')}`);
    await row.locator('a').click();
    await leader.locator('#health-reports').waitFor();
    const fever = leader.locator('#health-reports tr.fever').first();
    assert.match(await fever.textContent(), /38\.2/);
    await fever.locator('a', { hasText: '随访' }).click();
    await leader.waitForURL(/\/cases\/\d+/);
    assert.match(await leader.textContent('body'), /发热/);
    await shot(leader, 'health-district');
    assert.deepEqual(leader.lianxinErrors, []);
    await leader.context().close();
  });
});
