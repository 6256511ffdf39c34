// Every menu page of every demo role, at desk width (1440 px) and at phone width (390 px; the
// volunteer and the enterprise contact, who work on phones, at 360 px too). A page passes when
// the document does not scroll sideways, nothing is written to the console as an error, every
// request it makes succeeds (its favicon included), no translation key shows as text and the
// Chinese UI shows no English. Each visit leaves a full-page screenshot in
// test-results/every-page/<database>/<role>-<width>-<page>.png, and report.json beside them
// lists every problem found, known or not.
//
// All problems of one role at one width are collected and asserted once, so a single run shows
// the whole picture. What is wrong today and fixed by the next issue (the second "admin shell"
// issue) is listed below as a known failure: it is reported, not failed, and an entry that no
// longer happens is reported too so the list shrinks. That list must be empty when that issue
// is resolved.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  ADMIN,
  ensureResultsDir,
  launchBrowser,
  newPage,
  signIn,
  startServer,
  stopServer,
} from './helpers.js';

/**
 * Known failures: each entry names a role (or '*'), a path (or '*'), a width (or '*'), the
 * check that fails and, where the check alone would hide too much, `match`, a pattern the
 * problem's text must match. The reason says what is wrong and who fixes it.
 */
const KNOWN_FAILURES = [];

const ROLES = ['admin', 'leader', 'gongxin', 'cadre', 'jiancha', 'zuzhi', 'volunteer', 'qiye'];
// Those who use the system on a phone are seen at the narrowest common phone width as well.
const PHONE_ROLES = new Set(['volunteer', 'qiye']);
const SIZES = {
  1440: { viewport: { width: 1440, height: 900 } },
  390: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
  360: { viewport: { width: 360, height: 800 }, isMobile: true, hasTouch: true },
};
const ANONYMOUS = 'anonymous'; // the sign-in page, seen before signing in
const widthsOf = (role) => (PHONE_ROLES.has(role) ? [1440, 390, 360] : [1440, 390]);

// Swagger UI draws the API document in English by nature (its own buttons and the document's
// English descriptions): there only the layout, the console and the requests are checked.
const LATIN_PAGES = new Set(['/api/docs']);

// Latin words that belong in the Chinese UI: names of formats, standards and products, units,
// and the demo's user names (a login name is Latin by nature). Anything glued to digits (USCC
// codes, case numbers, 36.5℃, Open311, volunteer2) never reaches this list, nor does what the
// page marks as such: identifiers (`code`, `kbd`, `samp`, the monospace `.masked` cells of
// codes, identity numbers and phones), text marked `lang="en"`, and the language switch, which
// names the other language in that language.
const LATIN_ALLOWED = new Set([
  'API', 'OpenAPI', 'Swagger', // the API documentation and the tokens that call it
  'Excel', 'xlsx', 'XLSX', 'csv', 'CSV', // export and import formats
  'KB', 'MB', // file sizes
  'admin', 'leader', 'gongxin', 'cadre', 'jiancha', 'zuzhi', 'volunteer', 'qiye', // login names
]);
// Whole texts that are Latin by nature: a browser's or an HTTP library's user agent in the
// login log (on PostgreSQL the browser tests share one database, so the API sign-ins of the
// tests before, made with Node's fetch as "node", are listed there too).
const LATIN_TEXTS = [
  /^Mozilla\/\d/,
  /^(?:node|undici|curl|Wget|python-[\w-]+|reqwest|okhttp|Go-http-client|PostmanRuntime)(?:\/\S*)?$/i,
];

// What a missing translation renders as: the key itself (crates/lianxin-kernel/src/i18n.rs,
// `Lang::t`), a dotted lower-case name such as `menu.home` or `case.state.open`. File names and
// host names look alike and are not keys.
const KEY_RE = /(?<![\w./@-])[a-z][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)+(?![\w/@-])/g;
const NOT_A_KEY_RE = /\.(?:xlsx|xls|csv|json|png|jpe?g|pdf|ico|js|css|html|yml|example|com|cn|org|net|gov)$/;
// An English word: two or more Latin letters, not glued to other Latin letters, digits or an
// underscore (so not part of a code), whether or not Chinese follows ("ID号" counts).
const WORD_RE = /(?<![A-Za-z0-9_])[A-Za-z]{2,}(?![A-Za-z0-9_])/g;
const URL_RE = /\b(?:https?:\/\/|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;

// Two visits at a time: much of a visit is waiting (for the server, for the page to settle).
describe('every page', { concurrency: 2 }, () => {
  let browser;
  let baseUrl;
  let shotsDir;
  const sessions = new Map(); // role -> promise of the storage state of a signed-in context
  const seenKnown = new Set(); // indexes of KNOWN_FAILURES that matched a problem
  const report = []; // every problem of the run: { role, width, path, check, detail, known }

  before(async () => {
    ({ baseUrl } = await startServer());
    const db = process.env.LIANXIN_E2E_DB ? process.env.LIANXIN_E2E_DB.split(':')[0] : 'sqlite';
    // One folder per database, so CI keeps the pictures of both runs; emptied first, so what is
    // there is this run's.
    shotsDir = path.join(ensureResultsDir(), 'every-page', db.startsWith('postgres') ? 'postgres' : db);
    fs.rmSync(shotsDir, { recursive: true, force: true });
    fs.mkdirSync(shotsDir, { recursive: true });
    browser = await launchBrowser();
  });

  after(async () => {
    KNOWN_FAILURES.forEach((k, i) => {
      if (!seenKnown.has(i)) {
        console.log(`no longer fails (remove it from KNOWN_FAILURES): ${describeKnown(k)}`);
      }
    });
    if (shotsDir) fs.writeFileSync(path.join(shotsDir, 'report.json'), JSON.stringify(report, null, 2));
    try {
      if (browser) await browser.close();
    } catch {}
    await stopServer();
  });

  // Everyone's first page, before any role: the sign-in page, at every width.
  const cases = [
    ...[1440, 390, 360].map((width) => ({
      role: ANONYMOUS,
      width,
      title: `the sign-in page at ${width} px`,
    })),
    ...ROLES.flatMap((role) =>
      widthsOf(role).map((width) => ({ role, width, title: `${role} at ${width} px` })),
    ),
  ];
  for (const { role, width, title } of cases) {
    test(title, async (t) => {
      const problems = await visitRole(role, width);
      const unknown = [];
      const known = new Map(); // index in KNOWN_FAILURES -> the paths where it happened
      for (const p of problems) {
        const i = KNOWN_FAILURES.findIndex((k) => knownMatches(k, role, width, p));
        report.push({ role, width, path: p.path, check: p.check, detail: p.detail, known: i >= 0 });
        if (i >= 0) {
          seenKnown.add(i);
          known.set(i, new Set([...(known.get(i) || []), p.path]));
        } else {
          unknown.push(`${p.path} [${p.check}] ${p.detail}`);
        }
      }
      // One line per known failure; report.json has each problem.
      for (const [i, paths] of known) {
        const k = KNOWN_FAILURES[i];
        t.diagnostic(`known failure (${k.check}) on ${paths.size} page(s): ${k.reason}`);
      }
      const list = unknown.join('\n  ');
      assert.deepEqual(unknown, [], `${role} at ${width} px: ${unknown.length} problem(s)\n  ${list}`);
    });
  }

  /**
   * Visits the landing page of `role` and every page of its menu at `width`, and returns every
   * problem found. The anonymous visitor sees the sign-in page only.
   */
  async function visitRole(role, width) {
    const storageState = role === ANONYMOUS ? undefined : await session(role);
    const page = await newPage(browser, { ...SIZES[width], storageState });
    const watch = watchPage(page);
    try {
      // The landing page first: `/` takes each role where its work is.
      const done = new Set();
      const queue = [role === ANONYMOUS ? '/login' : '/'];
      const problems = [];
      while (queue.length > 0) {
        const href = queue.shift();
        if (done.has(href)) continue;
        done.add(href);
        const visit = watch.begin(href);
        const res = await page
          .goto(new URL(href, baseUrl).href, { waitUntil: 'load' })
          .catch((e) => {
            watch.record('request', `${href} did not load: ${e.message.split('\n')[0]}`);
            return null;
          });
        const landed = new URL(page.url());
        const where = landed.pathname + landed.search;
        if (where !== href && done.has(where)) {
          // A link that leads where another already led (the volunteer's home is its entry
          // page; 我的待办 opens on a to-do tab already seen): let it settle, so that what it
          // still loads (its icon) is not cut off by the next visit, then move on.
          await watch.idle();
          watch.end(visit);
          continue;
        }
        done.add(where);
        if (role !== ANONYMOUS && landed.pathname === '/login') {
          watch.record('request', `${href} sent ${role} back to the sign-in page`);
        }
        if (href === '/') {
          const links = await page
            .locator('nav.menu a[href]')
            .evaluateAll((els) => els.map((e) => e.getAttribute('href')));
          for (const a of links) {
            if (a.startsWith('/') && !queue.includes(a)) queue.push(a);
          }
        }
        if (res) await checkPage(page, watch, where);
        const shot = path.join(shotsDir, `${role}-${width}-${slug(where)}.png`);
        await page.screenshot({ path: shot, fullPage: true });
        for (const p of watch.end(visit)) problems.push({ path: where, ...p });
      }
      return problems;
    } finally {
      await page.context().close();
    }
  }

  /** One sign-in per role, its session shared by the widths it is seen at. */
  function session(role) {
    if (!sessions.has(role)) {
      sessions.set(
        role,
        (async () => {
          const page = await newPage(browser);
          try {
            await signIn(page, baseUrl, role, ADMIN.password);
            return await page.context().storageState();
          } finally {
            await page.context().close();
          }
        })(),
      );
    }
    return sessions.get(role);
  }

  /** The checks of one page once it has loaded: waits for it to settle, then looks. */
  async function checkPage(page, watch, where) {
    await watch.idle();
    // Charts are drawn after load: the checks and the picture should see them drawn.
    const drawn = () =>
      [...document.querySelectorAll('.chart[data-chart]')].every((c) => c.querySelector('canvas'));
    if (!(await page.evaluate(drawn))) {
      await page.waitForFunction(drawn, null, { timeout: 5_000 }).catch(() => {
        watch.record('console', 'a chart was not drawn within 5 s');
      });
    }
    await checkFavicon(page, watch);

    const overflow = await page.evaluate(measureOverflow);
    if (overflow) {
      const { scroll, client, culprits } = overflow;
      const out = culprits.join(', ') || '?';
      watch.record('overflow', `the page is ${scroll} px wide in ${client} px; sticking out: ${out}`);
    }

    if (LATIN_PAGES.has(new URL(where, baseUrl).pathname)) return;
    const texts = await page.evaluate(visibleTexts);
    for (const { text, where: el } of texts) {
      if (LATIN_TEXTS.some((re) => re.test(text))) continue;
      const bare = text.replace(URL_RE, ' ');
      for (const m of bare.matchAll(KEY_RE)) {
        if (!NOT_A_KEY_RE.test(m[0])) watch.record('untranslated', `"${m[0]}" in ${el}`);
      }
      // One problem per element and text, naming its English words, so a sentence is one line.
      const words = [...bare.replace(KEY_RE, ' ').matchAll(WORD_RE)]
        .map((m) => m[0])
        .filter((w) => !LATIN_ALLOWED.has(w));
      if (words.length > 0) {
        const shown = text.length > 80 ? `${text.slice(0, 77)}…` : text;
        watch.record('english', `${[...new Set(words)].join(' ')} in ${el}: "${shown}"`);
      }
    }
  }

  // The favicon: what the page names (<link rel=icon>), else /favicon.ico, which browsers ask
  // for on every first visit. Asked once per context; a missing one is a problem of every page.
  async function checkFavicon(page, watch) {
    const href = await page.evaluate(() => {
      const link = document.querySelector('link[rel~="icon"]');
      return link ? link.href : new URL('/favicon.ico', location.href).href;
    });
    const cache = (page.context().lianxinIcons ||= new Map());
    if (!cache.has(href)) {
      const status = await page.context().request.get(href).then((r) => r.status(), () => 0);
      cache.set(href, status);
    }
    const status = cache.get(href);
    if (status === 0 || status >= 400) {
      watch.record('request', `GET ${new URL(href).pathname} (favicon) answered ${status || 'nothing'}`);
    }
  }
});

/**
 * Collects what goes wrong on a page, visit by visit: console errors and uncaught exceptions,
 * failed requests and answers of 400 or more. A request belongs to the visit during which it
 * started, so one that a navigation cuts short does not count against the next page.
 */
function watchPage(page) {
  let current = null; // { href, problems }
  const visitOf = new WeakMap();
  const inflight = new Set();
  let lastActivity = Date.now();
  const record = (visit, check, detail) => {
    if (visit && !visit.problems.some((p) => p.check === check && p.detail === detail)) {
      visit.problems.push({ check, detail });
    }
  };
  const pathOf = (u) => {
    const x = new URL(u);
    return x.pathname + x.search;
  };

  page.on('request', (req) => {
    visitOf.set(req, current);
    inflight.add(req);
    lastActivity = Date.now();
  });
  const settled = (req) => {
    inflight.delete(req);
    lastActivity = Date.now();
  };
  page.on('requestfinished', settled);
  page.on('requestfailed', (req) => {
    settled(req);
    const visit = visitOf.get(req);
    const error = req.failure()?.errorText || 'failed';
    if (visit !== current && /ERR_ABORTED/.test(error)) return; // cut short by leaving the page
    record(visit, 'request', `${req.method()} ${pathOf(req.url())} failed: ${error}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) {
      const req = res.request();
      record(visitOf.get(req), 'request', `${req.method()} ${pathOf(res.url())} answered ${res.status()}`);
    }
  });
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    // The request check names the address and the status; the console only repeats it.
    if (/^Failed to load resource/.test(msg.text())) return;
    record(current, 'console', msg.text().split('\n')[0]);
  });
  page.on('pageerror', (err) => record(current, 'console', `uncaught ${err.name}: ${err.message}`));

  return {
    begin(href) {
      current = { href, problems: [] };
      return current;
    },
    end(visit) {
      if (current === visit) current = null;
      return visit.problems;
    },
    record: (check, detail) => record(current, check, detail),
    /** Resolves when no request has been open for 100 ms (at most 10 s). */
    async idle() {
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        if (inflight.size === 0 && Date.now() - lastActivity >= 100) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

/**
 * In the page: null when the document does not scroll sideways, else its width, the viewport's
 * and the outermost elements that stick out (inside a box that scrolls or clips on its own,
 * such as a table wrapper with overflow-x: auto, nothing counts).
 */
function measureOverflow() {
  const se = document.scrollingElement;
  if (se.scrollWidth <= se.clientWidth + 1) return null;
  const vw = se.clientWidth;
  const name = (el) =>
    el.tagName.toLowerCase() +
    (el.id ? `#${el.id}` : '') +
    [...el.classList].slice(0, 2).map((c) => `.${c}`).join('');
  const culprits = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= vw + 1) continue;
    let clipped = false;
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') {
        clipped = true;
        break;
      }
    }
    if (clipped || culprits.some((c) => c.contains(el))) continue;
    culprits.push(el);
  }
  return {
    scroll: se.scrollWidth,
    client: vw,
    culprits: culprits
      .slice(0, 4)
      .map((el) => `${name(el)} (to ${Math.round(el.getBoundingClientRect().right)} px)`),
  };
}

/**
 * In the page: the text a person sees, each with the element that shows it: visible text nodes,
 * the options of visible selects, placeholders, tooltips and button values, and the title. What
 * offers the other language (the language switch) is not part of this one.
 */
function visibleTexts() {
  const out = [];
  const name = (el) =>
    el.tagName.toLowerCase() +
    (el.id ? `#${el.id}` : '') +
    [...el.classList].slice(0, 2).map((c) => `.${c}`).join('');
  const skip = (el) =>
    el.closest('script, style, noscript, template, #lang-switch, code, kbd, samp, .masked') ||
    /^en\b/i.test(el.closest('[lang]')?.getAttribute('lang') || '');
  const shown = (el) => el.checkVisibility({ checkOpacity: false, checkVisibilityCSS: true });
  const push = (text, el, attr) => {
    const t = (text || '').replace(/\s+/g, ' ').trim();
    if (t) out.push({ text: t, where: name(el) + (attr ? `[${attr}]` : '') });
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || skip(el)) continue;
    const select = el.closest('select');
    if (select ? !shown(select) : !shown(el)) continue;
    push(n.nodeValue, el);
  }
  const labelled = '[placeholder], [title], [aria-label], input[type=submit], input[type=button]';
  for (const el of document.body.querySelectorAll(labelled)) {
    if (skip(el) || !shown(el)) continue;
    // A screen reader reads the label aloud: a field name such as `unit_id` there is English.
    for (const attr of ['placeholder', 'title', 'aria-label']) {
      if (!el.hasAttribute(attr)) continue;
      const v = el.getAttribute(attr);
      push(attr === 'aria-label' ? v.replace(/_/g, ' ') : v, el, attr);
    }
    if (el.tagName === 'INPUT' && /^(submit|button)$/.test(el.type)) push(el.value, el, 'value');
  }
  push(document.title, document.querySelector('title') || document.documentElement);
  return out;
}

function knownMatches(k, role, width, problem) {
  return (
    (k.role === '*' || k.role === role) &&
    (k.width === '*' || k.width === width) &&
    (k.path === '*' || k.path === problem.path) &&
    k.check === problem.check &&
    (!k.match || k.match.test(problem.detail))
  );
}

function describeKnown(k) {
  return `${k.role} ${k.path} at ${k.width} px, ${k.check}${k.match ? ` ${k.match}` : ''}: ${k.reason}`;
}

/** A file-name part for a path: `/` is home, `/system/users?x=1` is system-users-x-1. */
function slug(where) {
  return where.replace(/^\/+/, '').replace(/[^\w]+/g, '-').replace(/^-+|-+$/g, '') || 'home';
}
