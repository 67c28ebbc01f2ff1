'use strict';
/*
 * run.js - the browser tests, in order: they share one egov (started by run.sh)
 * and the accounts the earlier tests make. Plain Node.js, no framework: a test
 * is a name and an async function; the runner prints PASS/FAIL per test and a
 * closing "N passed, N failed" line, and exits 1 on any failure.
 *
 * Every page visited goes through visit(): one h1, <html lang>, the skip link
 * and main landmark, a label on every input, axe-core (0 serious or critical
 * violations), and screenshots at 1280 x 800 and 360 x 800.
 */
const fs = require('node:fs');
const path = require('node:path');
const L = require('./lib');

const tests = [];
function test(name, fn) {
  tests.push({ name, fn });
}
const S = {}; // what the tests hand on to each other

for (const f of ['t_public.js', 't_citizen.js', 't_admin.js', 't_catalogue.js', 't_dossiers.js'])
  require(path.join(__dirname, f))(test, S, L);

async function main() {
  await L.launch();
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const filter = process.env.FILTER ? new RegExp(process.env.FILTER) : null;
  const t0 = Date.now();
  for (const t of tests) {
    if (filter && !filter.test(t.name)) {
      skipped++;
      continue;
    }
    const started = Date.now();
    try {
      await L.withTimeout(t.fn(), 180000, 'the test');
      passed++;
      console.log(`PASS ${t.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${t.name}: ${e instanceof L.Failure ? e.message : e.stack}`);
      await failureShots(t.name);
    }
    L.takeProblems();
  }
  await L.close();
  const report = {
    db: process.env.DB_KIND,
    pages: L.axeResults.length,
    serious_or_critical: L.axeResults.reduce((n, r) =>
      n + r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').length, 0),
    minor_or_moderate: L.axeResults.reduce((n, r) =>
      n + r.violations.filter((v) => v.impact !== 'serious' && v.impact !== 'critical').length, 0),
    results: L.axeResults,
  };
  fs.mkdirSync(L.OUT, { recursive: true });
  const reportFile = path.join(L.OUT, `axe-report-${process.env.DB_KIND || 'sqlite'}.json`);
  fs.writeFileSync(reportFile, JSON.stringify(report, null, 2));
  console.log(`axe-core: ${report.pages} page views, ${report.serious_or_critical} serious or critical ` +
    `violations, ${report.minor_or_moderate} minor or moderate (${path.relative(process.cwd(), reportFile)})`);
  console.log(`screenshots: ${L.shots.length} in ${path.relative(process.cwd(), L.SHOTS) || L.SHOTS}`);
  console.log(`browser tests on ${process.env.DB_KIND}: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(failed ? 1 : 0);
}

/* A screenshot of every open page when a test fails, to see what it saw. */
async function failureShots(name) {
  const dir = path.join(L.OUT, 'failures');
  fs.mkdirSync(dir, { recursive: true });
  let i = 0;
  for (const p of L.openPages()) {
    try {
      await p.screenshot({ path: path.join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}-${i++}.png`), fullPage: true });
    } catch (e) {
      /* a closed page */
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
