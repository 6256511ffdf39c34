// The English interface (issue 14, "no Chinese left in the English one"): every menu page of
// the administrator, department staff, an inspector, a volunteer and an enterprise contact,
// with the language switched to English, has no Chinese in its frame: the menu, headings,
// column headers, field labels, buttons, tabs and breadcrumbs. Data (unit and person names,
// titles typed by users) is Chinese by nature: it is not looked at, and where a heading holds
// it, the page marks it (`data-data`).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, launchBrowser, newPage, signIn, startServer, stopServer } from './helpers.js';

const FRAME = [
  'nav.menu a', '.page-header h1', 'table.data thead th', '.field > label', 'form label:not(.check)',
  'button', 'a.btn', 'summary', 'legend', '.breadcrumb', '.tabs a', '.pagination', '.card > h2',
];
const CJK = /[\u3400-\u9fff]/;

describe('the English interface', () => {
  let browser;
  let baseUrl;

  before(async () => {
    ({ baseUrl } = await startServer());
    browser = await launchBrowser();
  });

  after(async () => {
    try {
      if (browser) await browser.close();
    } catch {}
    await stopServer();
  });

  for (const role of ['admin', 'gongxin', 'jiancha', 'volunteer', 'qiye']) {
    test(`${role}'s pages have no Chinese in their frame`, async () => {
      const page = await newPage(browser, { viewport: { width: 1440, height: 900 } });
      const problems = [];
      try {
        await signIn(page, baseUrl, role, ADMIN.password);
        await page.context().addCookies([{ name: 'lang', value: 'en', url: baseUrl }]);
        await page.goto(new URL('/', baseUrl).href);
        const links = await page
          .locator('nav.menu a[href]')
          .evaluateAll((els) => els.map((e) => e.getAttribute('href')));
        const paths = ['/', ...new Set(links.filter((a) => a.startsWith('/') && a !== '/api/docs'))];
        for (const p of paths) {
          await page.goto(new URL(p, baseUrl).href, { waitUntil: 'load' });
          const found = await page.evaluate(
            ({ selectors, cjk }) => {
              const re = new RegExp(cjk);
              const out = [];
              for (const sel of selectors) {
                for (const el of document.querySelectorAll(sel)) {
                  if (el.closest('[lang="zh-CN"], .lang-switch, [data-data]')) continue;
                  // A label's own text, without the data of the controls inside it.
                  const own = [...el.childNodes]
                    .filter((n) => n.nodeType === Node.TEXT_NODE || (n.nodeType === 1 && !n.matches('select, input, textarea, option, [data-data]')))
                    .map((n) => n.textContent)
                    .join(' ')
                    .trim();
                  if (own && re.test(own)) out.push(`${sel}: "${own.slice(0, 60)}"`);
                }
              }
              return [...new Set(out)];
            },
            { selectors: FRAME, cjk: CJK.source },
          );
          for (const f of found) problems.push(`${p} ${f}`);
        }
      } finally {
        await page.context().close();
      }
      assert.deepEqual(problems, [], `${problems.length} Chinese text(s) in the English frame`);
    });
  }
});
