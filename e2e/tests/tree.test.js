// The unit tree beside the lists (issue 13, "The unit tree") at desk width (1440 px) and phone
// width (390 px): the tree's top comes first and a level is fetched only when its node opens;
// the search box finds a unit by name, and choosing it opens the tree down to it; a click on a
// unit filters the people list to that unit and below, as the API answers the same question;
// department staff see only their part of the tree. And where an enterprise contact lands: its
// enterprise's page, on a phone, without sideways scrolling.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, launchBrowser, newPage, signIn, startServer, stopServer } from './helpers.js';

const WIDTHS = {
  1440: { viewport: { width: 1440, height: 900 } },
  390: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
};

describe('unit tree', () => {
  let browser;
  let baseUrl;
  const tokens = new Map();
  const sessions = new Map();
  const url = (p) => new URL(p, baseUrl).href;

  async function tokenOf(user) {
    if (!tokens.has(user)) {
      const res = await fetch(url('/api/v1/auth/token'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: user, password: ADMIN.password }),
      });
      assert.equal(res.status, 200, `an API token for ${user}`);
      tokens.set(user, (await res.json()).token);
    }
    return tokens.get(user);
  }
  async function api(user, p) {
    const res = await fetch(url(p), { headers: { authorization: `Bearer ${await tokenOf(user)}` } });
    assert.equal(res.status, 200, `GET ${p} as ${user}`);
    return res.json();
  }

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

  async function withPage(user, width, fn) {
    if (!sessions.has(user)) {
      const p = await newPage(browser);
      try {
        await signIn(p, baseUrl, user, ADMIN.password);
        sessions.set(user, await p.context().storageState());
      } finally {
        await p.context().close();
      }
    }
    const page = await newPage(browser, { ...WIDTHS[width], storageState: sessions.get(user) });
    try {
      await fn(page);
      assert.deepEqual(page.lianxinErrors, [], 'no JavaScript errors and no failed asset loads');
    } finally {
      await page.context().close();
    }
  }

  const tree = (page) => page.locator('details[data-unit-tree]');
  const treeNames = (page, sel) =>
    page.locator(sel).evaluateAll((els) => els.map((e) => e.textContent.trim()));
  const overflow = (page) =>
    page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  /** Opens the tree if the phone shows it folded, and waits until it has loaded. */
  async function ready(page, width) {
    await page.locator('details[data-unit-tree][data-ready]').waitFor({ state: 'attached' });
    const open = await tree(page).evaluate((d) => d.open);
    if (width < 769) {
      assert.equal(open, false, 'on a phone the tree starts folded above the list');
      await tree(page).locator('summary').click();
    } else {
      assert.equal(open, true, 'at a desk the tree is open beside the list');
    }
  }
  /** The names in the people table (the name column). */
  const peopleShown = (page) =>
    page.evaluate(() => {
      const ths = [...document.querySelectorAll('table.data thead tr > th')];
      const i = ths.findIndex((th) => th.dataset.col === 'person.name');
      return [...document.querySelectorAll('table.data tbody tr')]
        .filter((tr) => !tr.querySelector('td.empty'))
        .map((tr) => tr.children[i].innerText.trim());
    });

  for (const width of [1440, 390]) {
    test(`a node opens lazily and a click filters the people list at ${width} px`, async () => {
      const top = await api('admin', '/api/v1/units/tree');
      const root = top.items[0];
      assert.equal(top.items.length, 1, "the administrator's tree has the district at its top");
      const below = await api('admin', `/api/v1/units/tree?parent=${root.id}`);
      // A sub-district with people in it and units below it.
      const sub = below.items.find((n) => n.kind === 'subdistrict' && n.children > 0);
      assert.ok(sub, 'the demo district has a sub-district with units below');
      await withPage('admin', width, async (page) => {
        const asked = [];
        page.on('request', (r) => {
          const u = new URL(r.url());
          if (u.pathname === '/api/v1/units/tree') asked.push(u.search);
        });
        await page.goto(url('/people'));
        await ready(page, width);
        // The top (the district alone) and its first level, nothing deeper.
        assert.deepEqual(asked, ['', `?parent=${root.id}`], 'the top and its first level at first');
        assert.deepEqual(await treeNames(page, '[data-tree-root] > li > .tree-row > a'), top.items.map((n) => n.name));
        assert.deepEqual(
          await treeNames(page, `[data-tree-root] li[data-id="${root.id}"] > ul > li > .tree-row > a`),
          below.items.map((n) => n.name),
        );
        // Opening the sub-district fetches its level, once.
        const subs = await api('admin', `/api/v1/units/tree?parent=${sub.id}`);
        const subLi = page.locator(`[data-tree-root] li[data-id="${sub.id}"]`);
        const toggle = subLi.locator(':scope > .tree-row > [data-tree-toggle]');
        assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
        await toggle.click();
        await subLi.locator(':scope > ul > li').first().waitFor();
        assert.deepEqual(asked, ['', `?parent=${root.id}`, `?parent=${sub.id}`]);
        assert.deepEqual(
          await treeNames(page, `[data-tree-root] li[data-id="${sub.id}"] > ul > li > .tree-row > a`),
          subs.items.map((n) => n.name),
        );
        assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
        // Folding and opening again asks nothing more.
        await toggle.click();
        assert.equal(await subLi.locator(':scope > ul').isHidden(), true);
        await toggle.click();
        assert.equal(asked.length, 3);
        // A click on the sub-district filters the list to it and below.
        await Promise.all([
          page.waitForURL((u) => u.searchParams.get('unit_id') === String(sub.id)),
          page.locator(`[data-tree-root] li[data-id="${sub.id}"] > .tree-row > a`).click(),
        ]);
        const want = await api('admin', `/api/v1/people?unit_id=${sub.id}&page_size=20`);
        assert.ok(want.total > 0, 'people in the sub-district');
        assert.deepEqual(await peopleShown(page), want.items.map((p) => p.name));
        const all = await api('admin', '/api/v1/people?page_size=1');
        assert.ok(want.total < all.total, 'the filter narrows the list');
        // The tree comes back open at the unit chosen, marked.
        await ready(page, width);
        assert.equal(await page.locator('[data-tree-root] a.active').innerText(), sub.name);
        assert.equal(await overflow(page), 0, 'no sideways scrolling');
      });
    });

    test(`the search finds a unit and opens the tree down to it at ${width} px`, async () => {
      const top = await api('admin', '/api/v1/units/tree');
      const below = await api('admin', `/api/v1/units/tree?parent=${top.items[0].id}`);
      const sub = below.items.find((n) => n.kind === 'subdistrict' && n.children > 0);
      const deep = (await api('admin', `/api/v1/units/tree?parent=${sub.id}`)).items[0];
      const found = await api('admin', `/api/v1/units/tree?q=${encodeURIComponent(deep.name)}`);
      assert.ok(found.items.some((n) => n.id === deep.id));
      await withPage('admin', width, async (page) => {
        await page.goto(url('/people'));
        await ready(page, width);
        await tree(page).locator('[data-tree-search]').fill(deep.name);
        const hit = page.locator(`[data-tree-hits] li[data-id="${deep.id}"] a`);
        await hit.waitFor();
        assert.equal(await treeNames(page, '[data-tree-hits] > li > .tree-row > a').then((n) => n.length), found.items.length);
        await Promise.all([
          page.waitForURL((u) => u.searchParams.get('unit_id') === String(deep.id)),
          hit.click(),
        ]);
        await ready(page, width);
        // Opened down to it: its sub-district and the district are open, it is marked.
        const active = page.locator('[data-tree-root] a.active');
        await active.waitFor();
        assert.equal(await active.innerText(), deep.name);
        for (const id of found.items.find((n) => n.id === deep.id).path) {
          assert.equal(await page.locator(`[data-tree-root] li[data-id="${id}"]`).getAttribute('aria-expanded'), 'true');
        }
        const want = await api('admin', `/api/v1/people?unit_id=${deep.id}&page_size=20`);
        assert.deepEqual(await peopleShown(page), want.items.map((p) => p.name));
        assert.equal(await overflow(page), 0, 'no sideways scrolling');
      });
    });
  }

  test('department staff see only their part of the tree', async () => {
    const theirs = await api('gongxin', '/api/v1/units/tree');
    const all = await api('admin', '/api/v1/units/tree');
    assert.notDeepEqual(theirs.items.map((n) => n.id), all.items.map((n) => n.id));
    await withPage('gongxin', 1440, async (page) => {
      await page.goto(url('/people'));
      await ready(page, 1440);
      assert.deepEqual(await treeNames(page, '[data-tree-root] > li > .tree-row > a'), theirs.items.map((n) => n.name));
      // The district in the address gives nothing beyond their scope.
      await page.goto(url(`/people?unit_id=${all.items[0].id}`));
      const want = await api('gongxin', '/api/v1/people?page_size=20');
      assert.deepEqual(await peopleShown(page), want.items.map((p) => p.name));
    });
  });

  test('an enterprise contact lands on its enterprise at 390 px', async () => {
    const own = await api('qiye', '/api/v1/enterprises');
    assert.equal(own.total, 1);
    const page = await newPage(browser, WIDTHS[390]);
    try {
      const landed = await signIn(page, baseUrl, 'qiye', ADMIN.password);
      assert.equal(landed, '/');
      assert.equal(await page.locator('h1').innerText(), own.items[0].name);
      await page.locator('#home-health-today').waitFor();
      await page.locator('#home-appeals').waitFor();
      assert.equal(await page.locator('#home-appeal').getAttribute('href'), '/appeal');
      assert.equal(await page.locator('.chart-grid').count(), 0, 'no district tiles');
      assert.equal(await overflow(page), 0, 'no sideways scrolling');
      assert.deepEqual(page.lianxinErrors, []);
    } finally {
      await page.context().close();
    }
  });

  test('department staff land on their to-do list', async () => {
    const page = await newPage(browser, WIDTHS[1440]);
    try {
      const landed = await signIn(page, baseUrl, 'gongxin', ADMIN.password);
      assert.equal(new URL(landed, baseUrl).pathname, '/cases');
      await page.locator('#todo-tabs').waitFor();
    } finally {
      await page.context().close();
    }
  });
});
