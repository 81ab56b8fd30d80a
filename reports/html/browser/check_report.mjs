// Loads a tracesim HTML report from a file in headless Debian Chromium (playwright-core, pinned in
// package-lock.json) and checks what a person would see: no console errors or page errors, no
// request leaving the file (the report must open offline), every chart drawn (a canvas with
// painted pixels), the service map's SVG non-empty, the tables present. Writes a full-page
// screenshot. Exit 0 on success, 1 on a failed check, 77 (CTest's skip code) without Chromium.
//
//   node check_report.mjs REPORT.html SCREENSHOT.png [CHARTS.png]
// CHARTS.png, when given, is a smaller picture of the "Over time" charts alone (README).
import { chromium } from 'playwright-core';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [report, screenshot, charts] = process.argv.slice(2);
if (!report || !screenshot) {
  console.error('usage: node check_report.mjs REPORT.html SCREENSHOT.png');
  process.exit(2);
}
const executable = process.env.TRACESIM_CHROMIUM || '/usr/bin/chromium';
if (!existsSync(executable)) {
  console.log(`SKIP: no Chromium at ${executable} (Debian package chromium)`);
  process.exit(77);
}

const problems = [];
const profile = mkdtempSync(join(tmpdir(), 'tracesim-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: executable,
  headless: true,
  viewport: { width: 1280, height: 900 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = context.pages()[0] ?? await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  const url = pathToFileURL(resolve(report)).href;
  await page.route('**/*', (route) => {
    if (route.request().url() === url) return route.continue();
    problems.push(`request leaving the file: ${route.request().url()}`);
    return route.abort();
  });
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('body[data-charts="drawn"]', { timeout: 15000 })
    .catch(() => problems.push('the charts script did not finish (body[data-charts] not set)'));

  const seen = await page.evaluate(() => {
    const charts = [...document.querySelectorAll('canvas.chart')].map((c) => {
      const ctx = c.getContext('2d');
      const { data } = ctx.getImageData(0, 0, c.width, c.height);
      let painted = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) ++painted;
      // Chart.js's own view of the chart: how many data points its datasets hold.
      const chart = typeof Chart !== 'undefined' ? Chart.getChart(c) : undefined;
      const points = chart ? chart.data.datasets.reduce((n, d) => n + d.data.length, 0) : 0;
      return { id: c.id, width: c.width, height: c.height, painted, points };
    });
    const svg = document.querySelector('.map svg');
    return {
      page: document.title.startsWith('tracesim load') ? 'load' : 'run',
      charts,
      tables: document.querySelectorAll('table').length,
      waterfalls: document.querySelectorAll('pre.waterfall').length,
      map_nodes: svg ? svg.querySelectorAll('g.node').length : -1,
    };
  });
  if (seen.charts.length === 0) problems.push('no charts in the page');
  for (const c of seen.charts) {
    // Axes alone paint a few hundred pixels; a drawn series or bars paint well over a thousand.
    if (c.width === 0 || c.height === 0 || c.painted < 1500 || c.points === 0)
      problems.push(`chart ${c.id} looks empty (${c.width}x${c.height}, ${c.painted} painted ` +
                    `pixels, ${c.points} data points)`);
  }
  // A run report has the summary, RED and edge tables and exemplar waterfalls; a load report
  // its summary.
  if (seen.tables < (seen.page === 'run' ? 3 : 1)) problems.push(`only ${seen.tables} tables`);
  if (seen.page === 'run' && seen.waterfalls < 1) problems.push('no exemplar waterfall');
  if (seen.map_nodes === 0) problems.push('the service map SVG has no nodes');
  await page.screenshot({ path: screenshot, fullPage: true });
  if (charts) await page.locator('#timeline').screenshot({ path: charts });
  console.log(JSON.stringify({ report, screenshot, ...seen, problems }, null, 1));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
if (problems.length) {
  for (const p of problems) console.error(`FAIL: ${p}`);
  process.exit(1);
}
console.log('ok: report loads offline, no console errors, every chart drawn');
