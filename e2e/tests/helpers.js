// Shared helpers for the browser tests: start the real `lianxin` binary, drive Debian's
// Chromium through playwright-core, and compute valid identifiers.
//
// Environment:
//   LIANXIN_BIN     the binary (default: $CARGO_TARGET_DIR/debug/lianxin if CARGO_TARGET_DIR
//                   is set, else ../target/debug/lianxin relative to e2e/)
//   LIANXIN_E2E_DB  database URL (default: a fresh SQLite file in a temporary directory)
//   CHROMIUM        browser executable (default /usr/bin/chromium)

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const E2E_DIR = path.resolve(here, '..');
export const RESULTS_DIR = path.join(E2E_DIR, 'test-results');

export const ADMIN = { username: 'admin', password: 'Lianxin@2020' };

// Seeding the demo district takes seconds on an idle machine; on a shared one under a full
// load (builds beside the tests) it once took more than a minute.
const START_TIMEOUT_MS = 180_000;
const LISTENING_RE = /listening on (http:\/\/\S+)/;
// eslint-disable-next-line no-control-regex
const ANSI_RE = /\u001b\[[0-9;?]*[ -\/]*[@-~]/g;

let server = null; // { child, baseUrl, tmpDir, log }

export function ensureResultsDir() {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  return RESULTS_DIR;
}

function binaryPath() {
  if (process.env.LIANXIN_BIN) return path.resolve(process.env.LIANXIN_BIN);
  if (process.env.CARGO_TARGET_DIR) {
    return path.resolve(process.env.CARGO_TARGET_DIR, 'debug', 'lianxin');
  }
  return path.resolve(E2E_DIR, '..', 'target', 'debug', 'lianxin');
}

const TEMPLATE_DB = 'lianxin.db';
const TEMPLATE_PREFIX = 'lianxin-e2e-template-';

/**
 * SQLite: the demo district loaded once for the run (`lianxin demo`) into a directory of
 * temporary files, which every test file's server starts on a copy of. Loading the district
 * takes 10-20 s in a debug build; a copy takes milliseconds. (PostgreSQL runs share one
 * database, which the first server loads.) One template per binary and per day in Shanghai
 * (the demo's data is dated from its day); templates more than six hours old are removed.
 */
function sqliteTemplate(bin) {
  const st = fs.statSync(bin);
  const day = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
  const key = createHash('sha256')
    .update(`${bin}\0${st.size}\0${st.mtimeMs}\0${day}`)
    .digest('hex')
    .slice(0, 16);
  const dir = path.join(os.tmpdir(), `${TEMPLATE_PREFIX}${key}`);
  if (fs.existsSync(path.join(dir, TEMPLATE_DB))) return dir;
  for (const old of fs.readdirSync(os.tmpdir())) {
    if (!old.startsWith(TEMPLATE_PREFIX)) continue;
    const p = path.join(os.tmpdir(), old);
    try {
      if (Date.now() - fs.statSync(p).mtimeMs > 6 * 3600 * 1000) {
        fs.rmSync(p, { recursive: true, force: true });
      }
    } catch {}
  }
  // Loaded under another name and renamed when complete, so a half-made template is never used.
  const making = fs.mkdtempSync(path.join(os.tmpdir(), 'lianxin-e2e-making-'));
  const r = spawnSync(bin, ['demo', '--db', `sqlite://${path.join(making, TEMPLATE_DB)}`], {
    cwd: E2E_DIR,
    // The servers' own environment: a passage key given there is the template's too; without
    // one, the key file made beside the template's database is copied with it.
    env: { ...process.env, NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: START_TIMEOUT_MS,
  });
  if (r.status !== 0) {
    fs.rmSync(making, { recursive: true, force: true });
    throw new Error(
      `lianxin demo failed (status ${r.status}, ${r.error || r.signal || 'no signal'}):\n` +
        `${(r.stdout || '').slice(-2000)}\n${(r.stderr || '').slice(-2000)}`,
    );
  }
  try {
    fs.renameSync(making, dir);
  } catch (e) {
    // Another test process made it first.
    fs.rmSync(making, { recursive: true, force: true });
    if (!fs.existsSync(path.join(dir, TEMPLATE_DB))) throw e;
  }
  return dir;
}

/**
 * Start `lianxin serve --demo --db DB --listen 127.0.0.1:0` and wait (up to 60 s) for the
 * line `listening on http://127.0.0.1:PORT` on its stdout. Returns { baseUrl, dbUrl }.
 * The server's output goes to test-results/server-<n>.log.
 */
export async function startServer() {
  if (server) throw new Error('startServer: a server is already running');
  const bin = binaryPath();
  if (!fs.existsSync(bin)) {
    throw new Error(`lianxin binary not found at ${bin} (build it, or set LIANXIN_BIN)`);
  }

  let tmpDir = null;
  let dbUrl = process.env.LIANXIN_E2E_DB;
  if (!dbUrl) {
    // A copy of the run's demo district (and its passage key file) in a directory of its own.
    const template = sqliteTemplate(bin);
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lianxin-e2e-'));
    for (const f of fs.readdirSync(template)) {
      fs.copyFileSync(path.join(template, f), path.join(tmpDir, f));
    }
    dbUrl = `sqlite://${path.join(tmpDir, TEMPLATE_DB)}`;
  }

  ensureResultsDir();
  const logPath = path.join(RESULTS_DIR, `server-${process.pid}-${Date.now()}.log`);
  const log = fs.createWriteStream(logPath);
  const args = ['serve', '--demo', '--db', dbUrl, '--listen', '127.0.0.1:0'];
  log.write(`$ ${bin} ${args.join(' ')}\n`);

  const child = spawn(bin, args, {
    cwd: E2E_DIR,
    env: {
      ...process.env,
      NO_COLOR: '1',
      CARGO_TERM_COLOR: 'never',
      // SQLite: the default key file beside the temporary database. A shared PostgreSQL
      // database keeps one key file for every server of the run.
      ...(tmpDir || process.env.LIANXIN_PASSAGE_KEY || process.env.LIANXIN_PASSAGE_KEY_FILE
        ? {}
        : { LIANXIN_PASSAGE_KEY_FILE: path.join(RESULTS_DIR, 'passage.key') }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server = { child, baseUrl: null, tmpDir, log, logPath, exited: false };
  child.on('exit', () => {
    if (server && server.child === child) server.exited = true;
  });

  let tail = ''; // last output, for error messages
  const baseUrl = await new Promise((resolve, reject) => {
    let pending = { out: '', err: '' };
    let done = false;
    const finish = (err, url) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(url);
    };
    const onData = (which) => (chunk) => {
      log.write(chunk);
      const text = chunk.toString('utf8');
      tail = (tail + text).slice(-4000);
      if (done) return; // keep draining the pipes so the server never blocks on a full pipe
      pending[which] += text;
      const lines = pending[which].split('\n');
      pending[which] = lines.pop();
      for (const line of lines) {
        const m = line.replace(ANSI_RE, '').match(LISTENING_RE);
        if (m) {
          if (which === 'err') {
            log.write('\n[e2e] note: the listening line came on stderr; it should be on stdout\n');
          }
          finish(null, m[1].replace(/[/.,;]+$/, ''));
          return;
        }
      }
    };
    child.stdout.on('data', onData('out'));
    child.stderr.on('data', onData('err'));
    child.on('error', (e) => finish(new Error(`could not start ${bin}: ${e.message}`)));
    child.on('exit', (code, signal) =>
      finish(
        new Error(
          `lianxin exited (code ${code}, signal ${signal}) before it was listening; ` +
            `log ${logPath}; last output:\n${tail}`,
        ),
      ),
    );
    const timer = setTimeout(
      () =>
        finish(
          new Error(
            `lianxin did not print "listening on http://…" within ${START_TIMEOUT_MS / 1000} s; ` +
              `log ${logPath}; last output:\n${tail}`,
          ),
        ),
      START_TIMEOUT_MS,
    );
  }).catch(async (e) => {
    await stopServer();
    throw e;
  });

  server.baseUrl = baseUrl;
  return { baseUrl, dbUrl };
}

/** Stop the server started by startServer (SIGTERM, then SIGKILL after 10 s). */
export async function stopServer() {
  const s = server;
  server = null;
  if (!s) return;
  const { child } = s;
  if (!s.exited && child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, 10_000);
    await exited;
    clearTimeout(timer);
  }
  await new Promise((r) => s.log.end(r));
  if (s.tmpDir) fs.rmSync(s.tmpDir, { recursive: true, force: true });
}

// Never leave a server behind if the test process dies.
process.on('exit', () => {
  if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
});

/** Launch Debian's Chromium headless with the flags this machine needs. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A page in a fresh browser context (own cookies), desktop-sized, Chinese locale, downloads
 * allowed. JavaScript errors on the page are collected in page.lianxinErrors.
 */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({
    acceptDownloads: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    viewport: { width: 1366, height: 860 },
    ...options,
  });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(30_000);
  const page = await context.newPage();
  page.lianxinErrors = [];
  page.on('pageerror', (err) => page.lianxinErrors.push(`pageerror: ${err.message}`));
  // What the Content-Security-Policy refused is an error too: the pages must use only what
  // the policy allows (Chromium reports each refusal on the console).
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) {
      page.lianxinErrors.push(`csp: ${msg.text()}`);
    }
  });
  page.on('response', (res) => {
    const url = res.url();
    if (res.status() >= 400 && /\/assets\//.test(url)) {
      page.lianxinErrors.push(`asset ${url} answered ${res.status()}`);
    }
  });
  return page;
}

/**
 * Log in through the login form; resolves once the browser is on the user's landing page
 * (`/`, or where `/` takes that role: the to-do list of a department's staff).
 */
export async function login(page, baseUrl, username, password) {
  await signIn(page, baseUrl, username, password);
}

/**
 * Log in through the login form as any user; resolves once the browser has left /login, on
 * whatever page that user lands on, and returns that page's path (with its query).
 */
export async function signIn(page, baseUrl, username, password) {
  await page.goto(new URL('/login', baseUrl).href);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith('/login'), { timeout: 20_000 }),
    page.click('button[type=submit]'),
  ]);
  await page.waitForLoadState('load');
  const u = new URL(page.url());
  return u.pathname + u.search;
}

/** Poll fn() until it returns a truthy value (errors count as "not yet"); returns that value. */
export async function poll(fn, { timeout = 10_000, interval = 100, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let lastErr = null;
  let lastVal;
  for (;;) {
    try {
      lastVal = await fn();
      if (lastVal) return lastVal;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeout} ms waiting for ${message}` +
          (lastErr ? ` (last error: ${lastErr.message})` : ` (last value: ${JSON.stringify(lastVal)})`),
      );
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/**
 * Set a form control by name inside `scope` (a selector), whatever kind it is: text inputs are
 * filled, checkboxes checked/unchecked, selects get the option whose value or label matches,
 * or with value === undefined the first option with a non-empty value.
 */
export async function setField(page, scope, name, value) {
  const el = page.locator(`${scope} [name="${name}"]`).first();
  await el.waitFor({ state: 'attached' });
  const info = await el.evaluate((e) => ({
    tag: e.tagName.toLowerCase(),
    type: (e.getAttribute('type') || '').toLowerCase(),
    options: e.tagName === 'SELECT' ? [...e.options].map((o) => ({ v: o.value, t: o.text.trim() })) : [],
  }));
  if (info.tag === 'select') {
    const options = info.options.filter((o) => o.v !== '');
    if (options.length === 0) throw new Error(`select[name=${name}] has no options to choose`);
    let chosen = options[0];
    if (value !== undefined) {
      chosen = options.find((o) => o.v === String(value) || o.t === String(value));
      if (!chosen) throw new Error(`select[name=${name}] has no option ${value}`);
    }
    await el.selectOption(chosen.v);
    return chosen.v;
  }
  if (info.type === 'checkbox' || info.type === 'radio') {
    await el.setChecked(value !== false);
    return value !== false;
  }
  await el.fill(String(value ?? ''));
  return String(value ?? '');
}

// ---------- GB 32100 unified social credit codes (统一社会信用代码) ----------

export const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

/** GB 32100 check character over the first 17 characters. */
export function usccCheckChar(first17) {
  if (first17.length !== 17) throw new Error('usccCheckChar needs 17 characters');
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = USCC_CHARSET.indexOf(first17[i]);
    if (v < 0) throw new Error(`invalid USCC character ${first17[i]}`);
    sum += v * USCC_WEIGHTS[i];
  }
  return USCC_CHARSET[(31 - (sum % 31)) % 31];
}

/** GB 11714 organisation code check character over its 8-character body. */
export function orgCodeCheckChar(body8) {
  if (body8.length !== 8) throw new Error('orgCodeCheckChar needs 8 characters');
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const ch = body8[i];
    let v;
    if (ch >= '0' && ch <= '9') v = ch.charCodeAt(0) - 48;
    else if (ch >= 'A' && ch <= 'Z') v = ch.charCodeAt(0) - 55; // A=10 … Z=35
    else throw new Error(`invalid organisation code character ${ch}`);
    sum += v * ORG_WEIGHTS[i];
  }
  const c = 11 - (sum % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

/** A valid USCC: 9 1 (enterprise) + region + random 8-char org body + org check + USCC check. */
export function makeUscc(region = '410106') {
  let body = '';
  for (let i = 0; i < 8; i++) body += USCC_CHARSET[Math.floor(Math.random() * USCC_CHARSET.length)];
  const first17 = `91${region}${body}${orgCodeCheckChar(body)}`;
  return first17 + usccCheckChar(first17);
}

/** Same code with a wrong final check character. */
export function breakUsccCheck(uscc) {
  const good = uscc[17];
  const i = USCC_CHARSET.indexOf(good);
  return uscc.slice(0, 17) + USCC_CHARSET[(i + 1) % USCC_CHARSET.length];
}

/** A short random tag for unique names. */
export function uniqueTag() {
  // Ends in a digit, so that a tag of letters alone never reads as an English word on the pages
  // the every-page test checks (on PostgreSQL the test files share one database).
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`.toUpperCase() +
    String(Date.now() % 10);
}
