// The one list widget (issue 13, "Lists") on the registries' lists /people, /enterprises and
// /units, at desk width (1440 px) and phone width (390 px): sorting by a column header, the
// page size and the jump to a page, the rows ticked and exported alone, the rows ticked and
// deleted all or none, the columns each user hides, and no sideways scrolling on a phone with
// the column chooser open. What the page shows is compared with what the API answers for the
// same question, so the order is the server's own, not a guess at Chinese collation.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import zlib from 'node:zlib';
import {
  ADMIN,
  launchBrowser,
  newPage,
  signIn,
  startServer,
  stopServer,
  uniqueTag,
} from './helpers.js';

const WIDTHS = {
  1440: { viewport: { width: 1440, height: 900 } },
  390: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
};
// Each list with the column its rows are named by.
const LISTS = [
  { path: '/people', api: '/api/v1/people', nameCol: 'person.name' },
  { path: '/enterprises', api: '/api/v1/enterprises', nameCol: 'enterprise.name' },
  { path: '/units', api: '/api/v1/units', nameCol: 'unit.name' },
];

describe('lists', () => {
  let browser;
  let baseUrl;
  let token;
  const sessions = new Map(); // user -> storage state of a signed-in context
  const url = (p) => new URL(p, baseUrl).href;

  /** The API as admin: `{ status, body }` (body parsed when it is JSON). */
  async function api(method, p, body) {
    const res = await fetch(url(p), {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {}
    return { status: res.status, body: json ?? text };
  }
  async function apiOk(method, p, body) {
    const r = await api(method, p, body);
    assert.ok(r.status < 300, `${method} ${p} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body;
  }
  const apiNames = async (p) => (await apiOk('GET', p)).items.map((x) => x.name);

  before(async () => {
    ({ baseUrl } = await startServer());
    browser = await launchBrowser();
    const res = await fetch(url('/api/v1/auth/token'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    assert.equal(res.status, 200, 'an API token for admin');
    ({ token } = await res.json());
  });

  after(async () => {
    try {
      if (browser) await browser.close();
    } catch {}
    await stopServer();
  });

  /** A signed-in page of `user` at `width` (one sign-in per user, shared by the tests). */
  async function pageAs(user, width) {
    if (!sessions.has(user)) {
      const p = await newPage(browser);
      try {
        await signIn(p, baseUrl, user, ADMIN.password);
        sessions.set(user, await p.context().storageState());
      } finally {
        await p.context().close();
      }
    }
    return newPage(browser, { ...WIDTHS[width], storageState: sessions.get(user) });
  }

  /** Runs fn with a page of `user` at `width`, then closes it; no JavaScript error allowed. */
  async function withPage(user, width, fn) {
    const page = await pageAs(user, width);
    try {
      await fn(page);
      assert.deepEqual(page.lianxinErrors, [], 'no JavaScript errors and no failed asset loads');
    } finally {
      await page.context().close();
    }
  }

  /** The text of one column (by its data-col key) in every row of the table. */
  function columnTexts(page, col) {
    return page.evaluate((col) => {
      const ths = [...document.querySelectorAll('table.data thead tr > th')];
      const i = ths.findIndex((th) => th.dataset.col === col);
      if (i < 0) throw new Error(`no column ${col}`);
      return [...document.querySelectorAll('table.data tbody tr')]
        .filter((tr) => !tr.querySelector('td.empty'))
        .map((tr) => tr.children[i].innerText.trim());
    }, col);
  }
  const rowCount = (page) => page.locator('table.data tbody tr input[data-row-check]').count();
  const query = (page) => new URL(page.url()).searchParams;

  // The filter form keeps the list's order and page size, and only its own selects send it.
  test(
    'a filter chosen on a sorted list keeps the sort and the page size',
    async () => {
      await withPage('admin', 1440, async (page) => {
        await page.goto(url('/people?sort=name&order=asc&page_size=50'));
        await Promise.all([
          page.waitForURL((u) => u.searchParams.has('party_member')),
          page.locator('form.filters select[name=party_member]').selectOption({ index: 1 }),
        ]);
        const q = query(page);
        assert.equal(q.get('sort'), 'name', `the sort is kept: ${page.url()}`);
        assert.equal(q.get('order'), 'asc', 'the order is kept');
        assert.equal(q.get('page_size'), '50', 'the page size is kept');
        assert.equal(await rowCount(page), 50);
      });
    },
  );

  test(
    'choosing a page size asks the server once',
    async () => {
      await withPage('admin', 1440, async (page) => {
        await page.goto(url('/people?sort=name&order=asc'));
        const asked = [];
        page.on('request', (r) => {
          if (new URL(r.url()).pathname === '/people') asked.push(r.url());
        });
        await Promise.all([
          page.waitForURL((u) => u.searchParams.get('page_size') === '50'),
          page.locator('select.page-size').selectOption('50'),
        ]);
        await page.waitForLoadState('load');
        assert.deepEqual(asked.length, 1, `one request for the new page size:\n${asked.join('\n')}`);
      });
    },
  );

  for (const width of [1440, 390]) {
    test(`a column header sorts ascending, then descending, at ${width} px`, async () => {
      await withPage('admin', width, async (page) => {
        for (const { path, api: apiPath, nameCol } of LISTS) {
          await page.goto(url(path));
          const th = page.locator(`table.data th[data-col="${nameCol}"]`);
          assert.ok(await th.evaluate((e) => e.classList.contains('sortable')), `${path}: the name column sorts`);
          for (const [order, aria] of [['asc', 'ascending'], ['desc', 'descending']]) {
            await Promise.all([
              page.waitForURL((u) => u.searchParams.get('order') === order),
              th.locator('a').click(),
            ]);
            const q = query(page);
            assert.equal(q.get('sort'), 'name', `${path}: sort=name in ${page.url()}`);
            assert.equal(await th.getAttribute('aria-sort'), aria, `${path}: the header says ${aria}`);
            assert.equal(
              await page.locator('table.data th[aria-sort]').count(),
              1,
              `${path}: only the sorted column has aria-sort`,
            );
            const shown = await columnTexts(page, nameCol);
            const want = await apiNames(`${apiPath}?sort=name&order=${order}&page_size=20`);
            assert.equal(shown.length, 20, `${path}: a page of 20 rows`);
            assert.deepEqual(shown, want, `${path} ${order}: the names in the API's order`);
          }
        }
      });
    });

    test(`the page size and the jump to a page keep the sort and the filter at ${width} px`, async () => {
      await withPage('admin', width, async (page) => {
        await page.goto(url('/people?sort=name&order=asc'));
        assert.equal(await rowCount(page), 20, '20 rows a page by default');
        await Promise.all([
          page.waitForURL((u) => u.searchParams.get('page_size') === '50'),
          page.locator('select.page-size').selectOption('50'),
        ]);
        await page.waitForLoadState('load');
        let q = query(page);
        assert.equal(q.get('sort'), 'name');
        assert.equal(q.get('order'), 'asc');
        assert.equal(await rowCount(page), 50, 'the demo has 2,400 people: 50 rows');
        assert.equal(await page.locator('select.page-size').inputValue(), '50');
        assert.deepEqual(
          await columnTexts(page, 'person.name'),
          await apiNames('/api/v1/people?sort=name&order=asc&page_size=50'),
          'the 50 names in the API order',
        );

        // With a filter: party members, by name descending, 50 a page; then to page 3.
        const party = await page
          .locator('form.filters select[name=party_member] option')
          .evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
        assert.ok(party.length > 0, 'the party-member filter has options');
        await page.goto(url(`/people?party_member=${party[0]}&sort=name&order=desc&page_size=50`));
        const jump = page.locator('form.pager-form input[name=page]');
        const pages = Number(await jump.getAttribute('max'));
        assert.ok(pages >= 2, `the filtered list has more than one page (${pages})`);
        const target = Math.min(3, pages);
        await jump.fill(String(target));
        await Promise.all([
          page.waitForURL((u) => u.searchParams.get('page') === String(target)),
          page.locator('form.pager-form button[type=submit]', { hasText: '确定' }).click(),
        ]);
        await page.waitForLoadState('load');
        q = query(page);
        assert.equal(q.get('party_member'), party[0], `the filter is kept: ${page.url()}`);
        assert.equal(q.get('sort'), 'name', 'the sort is kept');
        assert.equal(q.get('order'), 'desc', 'the order is kept');
        assert.equal(q.get('page_size'), '50', 'the page size is kept');
        assert.equal(
          (await page.locator('.pagination span.current').innerText()).trim(),
          String(target),
          'the page jumped to is current',
        );
        assert.equal(
          await page.locator('table.data th[data-col="person.name"]').getAttribute('aria-sort'),
          'descending',
        );
        assert.equal(
          await page.locator(`form.filters select[name=party_member]`).inputValue(),
          party[0],
          'the filter still shows',
        );
      });
    });

    test(`ticked rows are exported alone, and select-all ticks the page, at ${width} px`, async () => {
      await withPage('admin', width, async (page) => {
        // Party members by name: the export carries the filter, and the ids narrow it.
        await page.goto(url('/people'));
        const party = await page
          .locator('form.filters select[name=party_member] option')
          .evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
        await page.goto(url(`/people?party_member=${party[0]}&sort=name&order=asc`));
        const count = page.locator('[data-batch-count]');
        const exportBtn = page.locator('#batch-export');
        assert.equal((await count.innerText()).trim(), '未选择');
        assert.ok(await exportBtn.isDisabled(), 'nothing ticked: the export is disabled');

        const checks = page.locator('table.data tbody input[data-row-check]');
        const ids = [await checks.nth(1).getAttribute('value'), await checks.nth(3).getAttribute('value')];
        const names = (await columnTexts(page, 'person.name')).filter((_, i) => i === 1 || i === 3);
        await checks.nth(1).check();
        await checks.nth(3).check();
        assert.equal((await count.innerText()).trim(), '已选 2 条');
        assert.ok(await exportBtn.isEnabled(), 'two ticked: the export is enabled');

        const [download] = await Promise.all([page.waitForEvent('download'), exportBtn.click()]);
        const dl = new URL(download.url());
        assert.equal(dl.pathname, '/people/export.xlsx');
        assert.deepEqual(dl.searchParams.get('ids')?.split(','), ids, `ids= the two ticked: ${dl}`);
        assert.equal(dl.searchParams.get('party_member'), party[0], `the export keeps the filter: ${dl}`);
        assert.match(download.suggestedFilename(), /\.xlsx$/i);
        const sheet = readXlsx(await fs.readFile(await download.path()));
        assert.equal(sheet.rows, 3, 'the sheet holds a header and the two ticked people');
        for (const n of names) assert.ok(sheet.text.includes(n), `the sheet names ${n}`);

        const csvUrl = new URL(dl);
        csvUrl.pathname = '/people/export.csv';
        const csv = await page.request.get(csvUrl.href);
        assert.equal(csv.status(), 200);
        const lines = (await csv.text()).split(/\r?\n/).filter((l) => l.trim() !== '');
        assert.equal(lines.length, 3, `the csv: a header and two rows\n${lines.join('\n')}`);
        for (const n of names) assert.ok(lines.slice(1).some((l) => l.includes(n)), `the csv names ${n}`);

        // The export left the list where it was: select-all ticks every row of this page.
        assert.equal(new URL(page.url()).pathname, '/people');
        assert.equal(query(page).get('party_member'), party[0]);
        await page.locator('input[data-check-all]').check();
        const states = await checks.evaluateAll((cs) => cs.map((c) => c.checked));
        assert.equal(states.length, 20);
        assert.ok(states.every(Boolean), 'every row of the page is ticked');
        assert.equal((await count.innerText()).trim(), '已选 20 条');
        await checks.nth(0).uncheck();
        assert.equal(await page.locator('input[data-check-all]').isChecked(), false, 'one unticked: not all');
        assert.equal((await count.innerText()).trim(), '已选 19 条');
        await page.locator('input[data-check-all]').check();
        assert.equal((await count.innerText()).trim(), '已选 20 条');
        await page.locator('input[data-check-all]').uncheck();
        assert.ok((await checks.evaluateAll((cs) => cs.map((c) => c.checked))).every((c) => !c), 'all unticked');
        assert.equal((await count.innerText()).trim(), '未选择');
        assert.ok(await exportBtn.isDisabled());
      });
    });

    test(`ticked rows are deleted all or none at ${width} px`, async () => {
      const tag = uniqueTag();
      const communities = await apiOk('GET', '/api/v1/units?kind=community&page_size=1');
      const placeIn = communities.items[0].id;
      const subdistricts = await apiOk('GET', '/api/v1/units?kind=subdistrict&page_size=1');
      const under = subdistricts.items[0].id;

      // Two throwaway people, deleted together.
      const people = [];
      for (const n of ['甲', '乙']) {
        people.push(await apiOk('POST', '/api/v1/people', { name: `删测${n}${tag}`, unit_id: placeIn }));
      }
      // Units: one with a child (cannot go) and one without; ticked together, neither goes.
      const parent = await apiOk('POST', '/api/v1/units', { name: `删测上级${tag}`, kind: 'community', parent_id: under });
      const child = await apiOk('POST', '/api/v1/units', { name: `删测下级${tag}`, kind: 'group', parent_id: parent.id });
      const lone = await apiOk('POST', '/api/v1/units', { name: `删测单独${tag}`, kind: 'community', parent_id: under });

      try {
        await withPage('admin', width, async (page) => {
          page.on('dialog', (d) => d.accept());
          await page.goto(url(`/people?q=${encodeURIComponent(tag)}`));
          assert.equal(await rowCount(page), 2, 'the filter shows the two throwaway people');
          const checks = page.locator('table.data tbody input[data-row-check]');
          await checks.nth(0).check();
          await checks.nth(1).check();
          const [res] = await Promise.all([
            page.waitForResponse((r) => r.url().endsWith('/people/batch-delete')),
            page.locator('#batch-delete').click(),
          ]);
          assert.ok(res.status() < 400, `the batch delete answered ${res.status()}`);
          await page.waitForLoadState('load');
          for (const p of people) {
            assert.equal((await api('GET', `/api/v1/people/${p.id}`)).status, 404, `${p.name} is gone`);
          }
          await page.goto(url(`/people?q=${encodeURIComponent(tag)}`));
          assert.equal(await rowCount(page), 0, 'the list finds them no more');

          await page.goto(url(`/units?q=${encodeURIComponent(tag)}`));
          assert.equal(await rowCount(page), 3, 'the filter shows the three throwaway units');
          // The child's row names its parent too: pick the rows by their own name.
          const shown = await columnTexts(page, 'unit.name');
          for (const name of [parent.name, lone.name]) {
            assert.ok(shown.includes(name), `${name} is listed`);
            await page.locator('table.data tbody input[data-row-check]').nth(shown.indexOf(name)).check();
          }
          assert.equal((await page.locator('[data-batch-count]').innerText()).trim(), '已选 2 条');
          const [refused] = await Promise.all([
            page.waitForResponse((r) => r.url().endsWith('/units/batch-delete')),
            page.locator('#batch-delete').click(),
          ]);
          assert.equal(refused.status(), 409, 'a unit with a child cannot be deleted: 409');
          await page.waitForLoadState('load');
          const body = await page.locator('body').innerText();
          assert.match(body, /不能删除/, `the page says why: ${body.slice(0, 300)}`);
          assert.ok(body.includes(parent.name), 'the page names the unit that cannot go');
          for (const u of [parent, child, lone]) {
            assert.equal((await api('GET', `/api/v1/units/${u.id}`)).status, 200, `${u.name} is still there`);
          }
        });
      } finally {
        for (const u of [child, parent, lone]) await api('DELETE', `/api/v1/units/${u.id}`);
        for (const p of people) await api('DELETE', `/api/v1/people/${p.id}`);
      }
    });

    test(`the columns a user hides stay hidden for that user only at ${width} px`, async () => {
      const phone = 'table.data th[data-col="person.phone"]';
      const choose = async (page, show) => {
        await page.locator('details.col-chooser summary').click();
        const box = page.locator('form.col-chooser-menu input[name=show][value="person.phone"]');
        await box.setChecked(show);
        await Promise.all([
          page.waitForURL((u) => u.pathname === '/people'),
          page.locator('form.col-chooser-menu button[type=submit]').click(),
        ]);
        await page.waitForLoadState('load');
      };
      await withPage('admin', width, async (page) => {
        await page.goto(url('/people?sort=name&order=asc'));
        assert.equal(await page.locator(phone).count(), 1, 'the phone column shows at first');
        await choose(page, false);
        assert.equal(query(page).get('sort'), 'name', 'saving comes back to the same list');
        assert.equal(await page.locator(phone).count(), 0, 'the phone column is gone');
        await page.reload();
        assert.equal(await page.locator(phone).count(), 0, 'and stays gone after a reload');
        const cells = await page.locator('table.data tbody tr').first().locator('td').count();
        const heads = await page.locator('table.data thead th').count();
        assert.equal(cells, heads, 'the rows lost the cell with the header');

        // A new sign-in of the same user: still hidden. The leader: shown.
        const again = await newPage(browser, WIDTHS[width]);
        try {
          await signIn(again, baseUrl, ADMIN.username, ADMIN.password);
          await again.goto(url('/people'));
          assert.equal(await again.locator(phone).count(), 0, "admin's new session hides it too");
        } finally {
          await again.context().close();
        }
        await withPage('leader', width, async (leader) => {
          await leader.goto(url('/people'));
          assert.equal(await leader.locator(phone).count(), 1, "the leader's list still has it");
          assert.equal(await leader.locator('#batch-delete').count(), 0, 'the leader may not delete people');
        });

        await choose(page, true);
        assert.equal(await page.locator(phone).count(), 1, 'ticked again, the column is back');
      });
    });

    test(`the lists do not scroll sideways with the column chooser open at ${width} px`, async () => {
      await withPage('admin', width, async (page) => {
        const problems = [];
        for (const { path } of LISTS) {
          await page.goto(url(path));
          await page.locator('details.col-chooser summary').click();
          const menu = page.locator('form.col-chooser-menu');
          await menu.waitFor({ state: 'visible' });
          const m = await page.evaluate(() => {
            const se = document.scrollingElement;
            const r = document.querySelector('form.col-chooser-menu').getBoundingClientRect();
            return { scroll: se.scrollWidth, client: se.clientWidth, left: r.left, right: r.right };
          });
          if (m.scroll > m.client + 1) problems.push(`${path}: the page is ${m.scroll} px wide in ${m.client} px`);
          if (m.left < -1 || m.right > m.client + 1) {
            problems.push(`${path}: the chooser spans ${Math.round(m.left)}…${Math.round(m.right)} px in ${m.client} px`);
          }
        }
        assert.deepEqual(problems, []);
      });
    });
  }

  // The same widget on the case list (我的待办), the passages, 督查检查, 督查通报 and the
  // checkpoints: a header sorts, the page size changes the page, the ticked rows are exported
  // alone in the list's order, and a hidden column stays hidden. The rows are compared by id
  // with what the API answers.
  const OWN_LISTS = [
    { path: '/cases?scope=all', api: '/api/v1/cases', col: 'number', sort: 'number', hide: 'kind', exportPath: '/cases/export.xlsx' },
    { path: '/passages', api: '/api/v1/passages', col: 'temperature', sort: 'temperature', hide: 'direction', exportPath: '/passages/export.xlsx' },
    { path: '/inspections', api: '/api/v1/inspections', col: 'held_on', sort: 'held_on', hide: 'methods', exportPath: '/inspections/export.xlsx' },
    { path: '/bulletins', api: '/api/v1/bulletins', col: 'title', sort: 'title', hide: 'kind', exportPath: '/bulletins/export.xlsx' },
    { path: '/checkpoints', api: '/api/v1/checkpoints', col: 'name', sort: 'name', hide: 'responsible', exportPath: '/checkpoints/export.xlsx' },
  ];
  const rowIds = (page) =>
    page.locator('table.data tbody input[data-row-check]').evaluateAll((cs) => cs.map((c) => c.value));
  for (const width of [1440, 390]) {
    test(`the case list, passages, inspections, bulletins and checkpoints sort, page, export and hide columns at ${width} px`, async () => {
      await withPage('admin', width, async (page) => {
        for (const l of OWN_LISTS) {
          await page.goto(url(l.path));
          const th = page.locator(`table.data th[data-col="${l.col}"]`);
          assert.ok(await th.evaluate((e) => e.classList.contains('sortable')), `${l.path}: ${l.col} sorts`);
          for (const [order, aria] of [['asc', 'ascending'], ['desc', 'descending']]) {
            await Promise.all([
              page.waitForURL((u) => u.searchParams.get('order') === order),
              th.locator('a').click(),
            ]);
            assert.equal(query(page).get('sort'), l.sort, `${l.path}: sorted in ${page.url()}`);
            assert.equal(await th.getAttribute('aria-sort'), aria);
            const want = (await apiOk('GET', `${l.api}?sort=${l.sort}&order=${order}&page_size=20`)).items.map((x) => String(x.id));
            assert.ok(want.length > 1, `${l.path}: the demo has rows`);
            assert.deepEqual(await rowIds(page), want, `${l.path} ${order}: the rows in the API's order`);
          }

          // The page size: 50 rows (or all there are), the sort kept.
          const total = (await apiOk('GET', `${l.api}?page_size=1`)).total;
          await Promise.all([
            page.waitForURL((u) => u.searchParams.get('page_size') === '50'),
            page.locator('select.page-size').selectOption('50'),
          ]);
          await page.waitForLoadState('load');
          assert.equal(query(page).get('sort'), l.sort, `${l.path}: the sort is kept`);
          assert.equal(await rowCount(page), Math.min(50, total), `${l.path}: a page of 50`);

          // Two rows ticked and exported: the file holds those two, the address keeps the sort.
          const checks = page.locator('table.data tbody input[data-row-check]');
          const ids = [await checks.nth(0).getAttribute('value'), await checks.nth(1).getAttribute('value')];
          await checks.nth(0).check();
          await checks.nth(1).check();
          assert.equal((await page.locator('[data-batch-count]').innerText()).trim(), '已选 2 条');
          const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#batch-export').click()]);
          const dl = new URL(download.url());
          assert.equal(dl.pathname, l.exportPath);
          assert.deepEqual(dl.searchParams.get('ids')?.split(','), ids, `${l.path}: ids= the ticked rows`);
          assert.equal(dl.searchParams.get('sort'), l.sort, `${l.path}: the export keeps the sort`);
          const sheet = readXlsx(await fs.readFile(await download.path()));
          assert.equal(sheet.rows, 3, `${l.path}: a header and the two ticked rows`);

          // A column hidden by the chooser stays hidden, then comes back.
          const hidden = `table.data th[data-col="${l.hide}"]`;
          const choose = async (show) => {
            await page.locator('details.col-chooser summary').click();
            await page.locator(`form.col-chooser-menu input[name=show][value="${l.hide}"]`).setChecked(show);
            await Promise.all([
              page.waitForURL((u) => u.pathname === new URL(l.path, baseUrl).pathname),
              page.locator('form.col-chooser-menu button[type=submit]').click(),
            ]);
            await page.waitForLoadState('load');
          };
          assert.equal(await page.locator(hidden).count(), 1);
          await choose(false);
          await page.reload();
          assert.equal(await page.locator(hidden).count(), 0, `${l.path}: ${l.hide} stays hidden`);
          const cells = await page.locator('table.data tbody tr').first().locator('td').count();
          assert.equal(cells, await page.locator('table.data thead th').count(), 'the rows lost the cell too');
          await choose(true);
          assert.equal(await page.locator(hidden).count(), 1, `${l.path}: ${l.hide} is back`);
        }
      });
    });
  }

  // The notices block (通知公告) on the landing pages of department staff (their to-do list)
  // and of an enterprise contact (its enterprise's home), on a phone: there, whole, and the
  // page no wider than the screen.
  test('department staff and an enterprise contact see unread notices at 390 px', async () => {
    const title = `关于节后返岗人员健康报备的通知${uniqueTag()}`;
    const sent = await fetch(url('/api/v1/notices'), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title, body: '返岗人员须提前报备。', to_all: true }),
    });
    assert.equal(sent.status, 201, 'the notice is sent');
    const notice = await sent.json();

    for (const [user, want] of [['gongxin', '/cases'], ['qiye', '/']]) {
      const page = await newPage(browser, WIDTHS[390]);
      try {
        const landing = await signIn(page, baseUrl, user, ADMIN.password);
        // 我的待办 opens on a to-do tab: the path is the landing page, the tab its query.
        assert.equal(new URL(landing, baseUrl).pathname, want, `${user} lands on ${want}`);
        const block = page.locator('#notices-block');
        await block.waitFor({ state: 'visible' });
        assert.match(await block.innerText(), new RegExp(title), `${user}: the notice is listed`);
        assert.equal(
          await block.locator(`a[href="/notices/${notice.id}"]`).count(),
          1,
          `${user}: it links to the notice`,
        );
        const m = await page.evaluate(() => {
          const se = document.scrollingElement;
          const r = document.querySelector('#notices-block').getBoundingClientRect();
          return { scroll: se.scrollWidth, client: se.clientWidth, left: r.left, right: r.right };
        });
        assert.ok(m.scroll <= m.client + 1, `${user}: the page is ${m.scroll} px wide in ${m.client} px`);
        assert.ok(m.left >= -1 && m.right <= m.client + 1, `${user}: the block spans ${m.left}…${m.right} px`);
        // Opened, it leaves the block.
        await Promise.all([
          page.waitForURL((u) => u.pathname === `/notices/${notice.id}`),
          block.locator(`a[href="/notices/${notice.id}"]`).click(),
        ]);
        await page.goto(url(landing));
        assert.doesNotMatch(await page.locator('body').innerText(), new RegExp(title), `${user}: read, gone`);
        assert.deepEqual(page.lianxinErrors, [], 'no JavaScript errors and no failed asset loads');
      } finally {
        await page.context().close();
      }
    }
  });
});

/**
 * The first sheet of an .xlsx file: its number of rows and all its text (shared strings and
 * inline strings). An .xlsx is a zip; only stored and deflated entries occur.
 */
function readXlsx(buf) {
  const entries = unzip(buf);
  const sheet = entries.get('xl/worksheets/sheet1.xml');
  assert.ok(sheet, `a first sheet among ${[...entries.keys()].join(', ')}`);
  const xml = sheet.toString('utf8');
  const strings = entries.get('xl/sharedStrings.xml')?.toString('utf8') || '';
  const text = [...`${strings}${xml}`.matchAll(/<t(?:\s[^>]*)?>([^<]*)<\/t>/g)].map((m) => m[1]).join('\n');
  return { rows: (xml.match(/<row[\s>]/g) || []).length, text };
}

function unzip(buf) {
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error('not a zip file');
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const out = new Map();
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(at) !== 0x02014b50) throw new Error('a broken zip directory');
    const method = buf.readUInt16LE(at + 10);
    const size = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const skip = nameLen + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLen);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + size);
    out.set(name, method === 8 ? zlib.inflateRawSync(data) : data);
    at += 46 + skip;
  }
  return out;
}
