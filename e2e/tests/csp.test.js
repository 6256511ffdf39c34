// The Content-Security-Policy in a real browser: the main pages, at desk and at phone width,
// draw everything (charts included) without a single refusal by the policy, and the policy
// they get is the strict one (no inline script, no framing).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
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

const PASSWORD = ADMIN.password;
const DESK = { viewport: { width: 1366, height: 860 } };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

describe('content security policy', () => {
  let browser;
  let baseUrl;
  let caseHref;
  const url = (p) => new URL(p, baseUrl).href;

  before(async () => {
    ensureResultsDir();
    ({ baseUrl } = await startServer());
    browser = await launchBrowser();
    const r = await fetch(url('/api/v1/auth/token'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    const token = (await r.json()).token;
    const cases = await (
      await fetch(url('/api/v1/cases?page_size=1'), { headers: { Authorization: `Bearer ${token}` } })
    ).json();
    assert.ok(cases.items.length > 0, 'the demo has cases');
    caseHref = `/cases/${cases.items[0].id}`;
  });

  after(async () => {
    try {
      if (browser) await browser.close();
    } catch {}
    await stopServer();
  });

  /** Signs `username` in at `size` and visits `paths`, each with no refusal by the policy. */
  async function visit(username, size, paths) {
    const page = await newPage(browser, size);
    // Violations reported to the page itself, in case a message never reaches the console.
    await page.addInitScript(() => {
      window.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
      );
    });
    try {
      await page.goto(url('/login'));
      await page.fill('input[name=username]', username);
      await page.fill('input[name=password]', PASSWORD);
      await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')]);
      const echartsFetched = [];
      page.on('request', (r) => {
        if (r.url().includes('echarts')) echartsFetched.push(new URL(page.url()).pathname);
      });
      for (const p of paths) {
        echartsFetched.length = 0;
        const res = await page.goto(url(p));
        assert.equal(res.status(), 200, p);
        const csp = res.headers()['content-security-policy'] || '';
        assert.match(csp, /script-src 'self'(;|$)/, `${p}: scripts only from the site`);
        assert.match(csp, /frame-ancestors 'none'/, p);
        await page.waitForLoadState('load');
        if (p === '/api/docs') {
          // Swagger UI draws the document after the load event.
          await page.locator('#swagger-ui .opblock').first().waitFor();
        }
        const charts = await page.locator('.chart[data-chart]').count();
        if (charts === 0) {
          // ECharts is fetched only where a chart is drawn.
          assert.deepEqual(echartsFetched, [], `${p}: a page without charts does not fetch ECharts`);
        }
        if (charts > 0) {
          // The charts are drawn (ECharts ran) and their tooltips show.
          await poll(async () => (await page.locator('.chart[data-chart] canvas').count()) > 0, {
            message: `${p}: a chart drawn`,
          });
          const chart = page.locator('.chart[data-chart]').first();
          await chart.scrollIntoViewIfNeeded();
          const box = await chart.boundingBox();
          if (box) await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
          await page.waitForTimeout(300);
        }
        const seen = await page.evaluate(() => window.__csp);
        assert.deepEqual(seen, [], `${p} at ${size.viewport.width}px: no refusal by the policy`);
        assert.deepEqual(page.lianxinErrors, [], `${p} at ${size.viewport.width}px: no errors`);
      }
    } finally {
      await page.context().close();
    }
  }

  const deskPages = () => [
    '/',
    '/cases',
    caseHref,
    '/cases/metrics',
    '/checkpoints',
    '/screening/dashboard',
    '/health',
    '/units',
    '/enterprises',
    '/api/docs',
  ];

  test('the administrator pages at desk width', async () => {
    await visit('admin', DESK, deskPages());
  });

  test('the administrator pages at phone width', async () => {
    await visit('admin', PHONE, deskPages());
  });

  test('the leader dashboard with its charts', async () => {
    await visit('leader', DESK, ['/', '/screening/dashboard', '/cases/metrics']);
  });

  test('the volunteer entry page on a phone and at desk width', async () => {
    await visit('volunteer', PHONE, ['/screening/entry']);
    await visit('volunteer', DESK, ['/screening/entry']);
  });

  test('the enterprise health report page', async () => {
    await visit('qiye', PHONE, ['/health', '/appeal']);
    await visit('qiye', DESK, ['/health']);
  });
});
