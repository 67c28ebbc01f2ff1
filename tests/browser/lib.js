'use strict';
/*
 * lib.js - what the browser tests share: Debian's Chromium through
 * playwright-core, a page visit that runs axe-core and takes the 360 px and
 * 1280 px screenshots, the mail the test SMTP server received, TOTP codes
 * (RFC 6238) computed here, and small assertions.
 *
 * Environment (set by run.sh): EGOV_URL, MAIL_DIR, OUT_DIR, CHROMIUM,
 * ADMIN_LOGIN, ADMIN_PASSWORD.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');

const BASE = process.env.EGOV_URL;
const OUT = process.env.OUT_DIR || path.join(__dirname, '..', 'out');
const SHOTS = path.join(OUT, 'screenshots');
const MAIL_DIR = process.env.MAIL_DIR;
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

class Failure extends Error {}

function check(cond, msg) {
  if (!cond) throw new Failure(msg);
}

function eq(actual, expected, what) {
  if (actual !== expected)
    throw new Failure(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

/* ---- the browser ----------------------------------------------------------------- */

let browser = null;

/*
 * playwright-core starts Chromium with --user-data-dir set to a new, empty
 * directory of its own (and removes it at close); it refuses the flag from us,
 * which would only make every context share one profile.
 */
async function launch() {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
  return browser;
}

async function close() {
  if (browser) await browser.close();
}

/* Every problem a page reports (CSP violations, failed requests, script errors) is a failure. */
const pageProblems = [];

const jsOff = new WeakSet();

async function context(opts = {}) {
  const ctx = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    locale: 'vi-VN',
    timezoneId: 'Asia/Ho_Chi_Minh',
    ...opts,
  });
  ctx.setDefaultTimeout(15000);
  ctx.on('page', (p) => watch(p));
  if (opts.javaScriptEnabled === false) jsOff.add(ctx);
  return ctx;
}

const open = new Set();
function openPages() {
  return [...open];
}

function watch(page) {
  open.add(page);
  page.on('close', () => open.delete(page));
  page.on('console', (m) => {
    if (m.type() === 'error') pageProblems.push(`console error on ${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => pageProblems.push(`script error on ${page.url()}: ${e.message}`));
  page.on('response', (r) => {
    if (r.url().includes('/static/') && r.status() >= 400)
      pageProblems.push(`${r.status()} for ${r.url()}`);
  });
}

function takeProblems() {
  return pageProblems.splice(0, pageProblems.length);
}

/* ---- visiting a page: axe-core and screenshots ---------------------------------------- */

const axeResults = []; // {name, url, violations: [{id, impact, nodes}]}
const shots = [];

/*
 * Runs axe-core on the page as it is and fails on any serious or critical
 * violation. evaluate() runs outside the page's Content-Security-Policy (and
 * also in a context with JavaScript off), which stays in force for the page.
 */
async function axe(page, name) {
  /*
   * With JavaScript off, axe-core's own timers never run in that page: check
   * the very HTML it received instead, served again to a page of a context with
   * JavaScript on (the stylesheet and images still come from egov).
   */
  if (jsOff.has(page.context())) {
    const html = await page.content();
    const url = page.url();
    const ctx = await context();
    const mirror = await ctx.newPage();
    await mirror.route(url, (r) => r.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
    await mirror.goto(url);
    try {
      return await axe(mirror, name + ' (no JavaScript)');
    } finally {
      await ctx.close();
    }
  }
  const res = await withTimeout(page.evaluate(async (src) => {
    if (!window.axe) {
      // eslint-disable-next-line no-eval
      (0, eval)(src);
    }
    const r = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
      resultTypes: ['violations'],
    });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ' :: ' + (n.failureSummary || '').split('\n').join(' ')),
    }));
  }, AXE), 30000, `axe-core on ${name}`);
  axeResults.push({ name, url: page.url(), violations: res });
  const bad = res.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  check(bad.length === 0,
    `axe-core on ${name} (${page.url()}): ${bad.map((v) => `${v.impact} ${v.id} (${v.help}) at ${v.nodes.join(' | ')}`).join('; ')}`);
  return res;
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Failure(`${what} did not finish within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function slug(name) {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/* Screenshots of the whole page at 1280 x 800 and at 360 x 800, then back to 1280. */
async function screenshots(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  const s = slug(name);
  for (const w of [1280, 360]) {
    await page.setViewportSize({ width: w, height: 800 });
    const file = path.join(SHOTS, `${s}-${w}.png`);
    await page.screenshot({ path: file, fullPage: true });
    shots.push(file);
    if (w === 360) {
      /* Nothing may need sideways scrolling on a 360 px phone. */
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      check(wide <= 360, `${name} is ${wide} px wide at 360 px (horizontal scrolling)`);
    }
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

/*
 * The checks every page gets: one h1, lang set, a main landmark with the skip
 * link's target, every input labelled; then axe-core and screenshots.
 */
async function visit(page, name) {
  const facts = await page.evaluate(() => ({
    lang: document.documentElement.lang,
    h1: document.querySelectorAll('h1').length,
    main: !!document.querySelector('main#main'),
    skip: !!document.querySelector('a.skip-link[href="#main"]'),
    unlabelled: [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
      .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
      .map((el) => el.id || el.name),
    title: document.title,
  })).catch(() => null);
  if (facts) {
    check(facts.lang === 'vi' || facts.lang === 'en', `${name}: <html lang> is ${JSON.stringify(facts.lang)}`);
    eq(facts.h1, 1, `${name}: number of h1`);
    check(facts.main && facts.skip, `${name}: no main#main or no skip link`);
    eq(facts.unlabelled.join(','), '', `${name}: inputs without a label`);
    check(facts.title.length > 0, `${name}: empty title`);
  }
  await axe(page, name);
  await screenshots(page, name);
  const problems = takeProblems();
  check(problems.length === 0, `${name}: ${problems.join('; ')}`);
}

/* ---- mail ---------------------------------------------------------------------------- */

function mails() {
  if (!fs.existsSync(MAIL_DIR)) return [];
  return fs.readdirSync(MAIL_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(MAIL_DIR, f), 'utf8')));
}

/* Waits for a message to `to` whose text matches re; returns the match. */
async function mailMatching(to, re, seen = 0, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = mails().filter((m) => (m.to_addr || m.to || '').includes(to));
    for (const m of list.slice(seen)) {
      const hit = (m.text || '').match(re);
      if (hit) return hit;
    }
    if (Date.now() > deadline) throw new Failure(`no mail to ${to} matching ${re} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function mailCount(to) {
  return mails().filter((m) => (m.to_addr || m.to || '').includes(to)).length;
}

/* ---- TOTP (RFC 6238: HMAC-SHA-1, 30 s steps, 6 digits) ------------------------------------ */

function base32(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of s.replace(/[\s=]/g, '').toUpperCase()) {
    const i = alphabet.indexOf(ch);
    if (i < 0) throw new Failure(`not base32: ${ch}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const h = crypto.createHmac('sha1', base32(secret)).update(counter).digest();
  const o = h[h.length - 1] & 15;
  const n = (h.readUInt32BE(o) & 0x7fffffff) % 1000000;
  return String(n).padStart(6, '0');
}

function stepNow() {
  return Math.floor(Date.now() / 30000);
}

/*
 * A code the server has not seen for this secret: egov refuses a step at or
 * before the last one used (replay), and accepts one step either side of now.
 */
const lastStep = new Map();
async function freshCode(secret) {
  for (;;) {
    const last = lastStep.get(secret) ?? -1;
    for (const s of [stepNow(), stepNow() + 1]) {
      if (s > last) {
        lastStep.set(secret, s);
        return totp(secret, s);
      }
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/* ---- helpers for pages ------------------------------------------------------------------ */

async function go(page, pathname) {
  const r = await page.goto(BASE + pathname);
  return r;
}

async function text(page, selector) {
  return (await page.locator(selector).first().innerText()).trim();
}

/* Submits the form that holds the element; the answer must be a 303 to a page. */
async function submit(page, buttonSelector) {
  const [resp] = await Promise.all([
    page.waitForNavigation(),
    page.locator(buttonSelector).first().click(),
  ]);
  return resp;
}

/* The error summary's items, with the ids its links point at. */
async function errorSummary(page) {
  return page.$$eval('.error-summary li', (lis) => lis.map((li) => ({
    text: li.innerText.trim(),
    href: li.querySelector('a') ? li.querySelector('a').getAttribute('href') : null,
  })));
}

module.exports = {
  BASE, OUT, SHOTS, Failure, check, eq, launch, close, context, visit, axe, screenshots,
  mails, mailMatching, mailCount, totp, freshCode, go, text, submit, errorSummary, takeProblems,
  axeResults, shots, stepNow, openPages, withTimeout,
};
