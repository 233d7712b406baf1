// test_page.mjs — the playground in a real browser: Debian's chromium,
// headless, driven by playwright-core (pinned in docs/playground/).
//
//   node test_page.mjs PAGE_DIR LRSC GOLDEN_DIR PLAYGROUND_SRC_DIR
//
// Loads PAGE_DIR/index.html from disk, types programs, reads values and
// diagnostics back, and compares the page's values and diagnostics with
// `lrsc eval` on every golden program that needs no other file. Prints
// "N passed, M failed" and exits non-zero on any failure.
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const [pageDir, lrsc, goldenDir, pgSrc] = process.argv.slice(2);
const require = createRequire(path.resolve(pgSrc, 'package.json'));
let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch (e) {
  console.error('playwright-core is not installed in docs/playground: run tools/install-deps.sh');
  process.exit(1);
}

let passed = 0, failed = 0;
function check(cond, what) {
  if (cond) { passed++; console.log('ok   ' + what); }
  else { failed++; console.log('FAIL ' + what); }
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const url = 'file://' + path.resolve(pageDir, 'index.html');
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
const pageErrors = [];
page.on('pageerror', (e) => pageErrors.push(e.message));

const renders = () => page.evaluate(() => Number(document.body.dataset.renders || 0));
async function typeProgram(src) {
  const before = await renders();
  await page.fill('#source', src);
  await page.waitForFunction((n) => Number(document.body.dataset.renders || 0) > n, before, { timeout: 30000 });
}
const result = () => page.evaluate(() => window.lrsPlayground.result);
const seriesPath = (name) => page.evaluate((n) => {
  const p = document.querySelector(`#plot path.series[data-name="${n}"]`);
  return p ? p.getAttribute('d') : null;
}, name);

await page.goto(url);
await page.waitForFunction(() => Number(document.body.dataset.renders || 0) > 0, null, { timeout: 30000 });
let r = await result();
check(r && r.ok && r.schedules.length > 0, 'the page loads, compiles its first example and plots it');
check((await page.$$eval('#examples option', (o) => o.length)) >= 5, 'the examples of examples/ are offered');

// A program typed into the editor: values read back.
await typeProgram('param total = 1000\nschedule lr = linear(0 -> 1) for 100 then cosine(1 -> 0.1)\n');
r = await result();
const at = (res, name, step) => res.schedules.find((s) => s.name === name).values[res.steps.indexOf(step)];
check(r.ok && r.steps[0] === 0 && r.steps[r.steps.length - 1] === 1000, 'the plot covers the whole span');
check(at(r, 'lr', 50) === 0.5 && at(r, 'lr', 100) === 1 && Math.abs(at(r, 'lr', 1000) - 0.1) < 1e-15,
  'values of a typed program are the schedule\'s');
check(r.schedules[0].boundaries.includes(100), 'the segment boundary is reported');
check(await page.$$eval('#plot line.bound', (l) => l.length) >= 1, 'boundaries are marked on the plot');
const before = await seriesPath('lr');
check(before && before.split('L').length > 500, 'the plot draws the schedule');
await typeProgram('param total = 1000\nschedule lr = linear(0 -> 1) for 300 then cosine(1 -> 0.1)\n');
check((await seriesPath('lr')) !== before, 'the plot changes when the program does');
console.log(`(render after the last keystroke took ${(await page.evaluate(() => window.lrsPlayground.lastRenderMs)).toFixed(1)} ms)`);

// Sliders for params: overrides as -D does.
await page.fill('#params input[type=number][data-param="total"]', '2000');
await page.dispatchEvent('#params input[type=number][data-param="total"]', 'change');
await page.waitForFunction(() => {
  const r = window.lrsPlayground.result;
  return r && r.ok && r.steps[r.steps.length - 1] === 2000;
}, null, { timeout: 30000 });
r = await result();
check(r.params.find((p) => p.name === 'total').value === 2000, 'a param set in the page overrides the program\'s');

// Log scale, zoom, hover.
await page.check('#log');
check(await page.$$eval('#plot .tick text', (t) => t.some((x) => /^1e-?\d+$|^1$|^0\.1$/.test(x.textContent))),
  'the log scale has decade ticks');
await page.uncheck('#log');
const box = await page.$eval('#plot svg', (s) => { const b = s.getBoundingClientRect(); return { x: b.x, y: b.y, w: b.width, h: b.height }; });
await page.mouse.move(box.x + box.w * 0.3, box.y + box.h * 0.5);
check(/^step \d+: lr /.test(await page.textContent('#tip')), 'hovering shows the step and the value');
const renderCount = await renders();
await page.mouse.down();
await page.mouse.move(box.x + box.w * 0.4, box.y + box.h * 0.5, { steps: 4 });
await page.mouse.up();
await page.waitForFunction((n) => Number(document.body.dataset.renders || 0) > n, renderCount, { timeout: 30000 });
r = await result();
check(r.steps[0] > 0 && r.steps[r.steps.length - 1] < 2000, 'dragging over the plot zooms into a range');
await page.click('#reset-zoom');
await page.waitForFunction(() => window.lrsPlayground.result.steps[0] === 0, null, { timeout: 30000 });

// Screenshot for the README.
{
  const n = await renders();
  await page.selectOption('#examples', 'onecycle.lrs');
  await page.waitForFunction((k) => Number(document.body.dataset.renders || 0) > k, n, { timeout: 30000 });
}
check((await page.inputValue('#source')) === fs.readFileSync(path.join(pgSrc, '..', '..', 'examples', 'onecycle.lrs'), 'utf8'),
  'choosing an example loads it into the editor');
check(await page.$eval('#plot path.series[data-name="momentum"]', (p) => p.dataset.axis === 'right'),
  'a schedule of another magnitude (momentum beside lr) gets its own axis');
await page.setViewportSize({ width: 1400, height: 600 });
await page.screenshot({ path: path.join(pageDir, 'screenshot.png') });
await page.setViewportSize({ width: 1400, height: 900 });
check(fs.statSync(path.join(pageDir, 'screenshot.png')).size > 20000, 'a screenshot of the page was taken');

// A broken program shows its error in the editor, and the page keeps its plot.
await typeProgram('schedule lr = cosin(1 -> 0) for 10\n');
const diag = await page.textContent('#diagnostics');
check(/playground\.lrs:1:15: error: unknown name 'cosin'/.test(diag) && /did you mean 'cosine'/.test(diag),
  'a broken program shows lrsc\'s diagnostic');
check(await page.$eval('#gutter .err', (e) => e.textContent === '1').catch(() => false), 'the error line is marked');
check(await page.$eval('#backdrop mark', (m) => m.textContent === 'cosin').catch(() => false),
  'the error span is underlined at its column');
check((await page.$$('#plot path.series')).length > 0, 'the page is not blank after an error');

// Share link: the program travels in the URL.
await typeProgram('param peak = 0.5\nschedule lr = peak * 2\n');
await page.click('#share');
const link = await page.inputValue('#link');
const page2 = await browser.newPage();
await page2.goto(link);
await page2.waitForFunction(() => Number(document.body.dataset.renders || 0) > 0, null, { timeout: 30000 });
check((await page2.inputValue('#source')) === 'param peak = 0.5\nschedule lr = peak * 2\n',
  'a share link opens the same program');
await page2.close();
check((await page.evaluate(() => window.lrsPlayground.csv())).startsWith('step,lr\n0,1\n'),
  'values export as CSV');

// A reactive schedule: clicks on the plot place plateau events, as
// `lrsc eval --plateaus` does, and the values follow lrsc's.
{
  const src = 'param total = 1000\nsignal val_loss\nlet drops = plateaus(val_loss, patience = 3)\n' +
    'schedule lr = 0.1 * 0.5 ^ drops\n';
  await typeProgram(src);
  const b = await page.$eval('#plot svg', (s) => { const r = s.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height }; });
  const n = await renders();
  await page.mouse.click(b.x + b.w * (70 + 0.5 * (900 - 70 - 190)) / 900, b.y + b.h * 0.5);
  await page.waitForFunction((k) => Number(document.body.dataset.renders || 0) > k, n, { timeout: 30000 });
  const res = await result();
  const lines = await page.$$eval('#plot line.event', (l) => l.map((x) => Number(x.dataset.step)));
  check(lines.length === 1 && lines[0] > 300 && lines[0] < 700, 'a click on a reactive schedule places a plateau event');
  const ev = lines[0];
  const file = path.join(pageDir, 'reactive.lrs');
  fs.writeFileSync(file, src);
  const want = JSON.parse(execFileSync(lrsc, ['eval', file, '--format', 'json', '--plateaus', String(ev), '--at', `0,${ev - 1},${ev},1000`], { encoding: 'utf8' }));
  const got = await page.evaluate(([s, st, e]) => window.lrsPlayground.evaluate(s, st, {}, e), [src, want.step, [ev]]);
  check(got.schedules[0].reactive && want.lr.every((v, i) => v === got.schedules[0].values[i]) && want.lr[0] === 0.1 && want.lr[3] === 0.05,
    'the page\'s values with a plateau event equal lrsc eval --plateaus');
  check(at(res, 'lr', 1000) === 0.05, 'the plotted schedule drops at the event');
  const n2 = await renders();
  const x = await page.$eval('#plot line.event', (l) => { const r = l.getBoundingClientRect(); return r.x + r.width / 2; });
  await page.mouse.click(x, b.y + b.h * 0.5);
  await page.waitForFunction((k) => Number(document.body.dataset.renders || 0) > k, n2, { timeout: 30000 });
  check((await page.$$('#plot line.event')).length === 0, 'a click on an event removes it');
}

// A 1 MB paste: the page stays responsive and reports what the compiler says.
let big = 'param total = 1000\nschedule lr = cosine(1 -> 0)\n';
for (let i = 0; big.length < 1000000; i++) big += `let unused_${i} = ${i} * 2 + 1   # padding to a megabyte\n`;
const t0 = Date.now();
// Pasted: the value set at once, as a paste does (typing it would take minutes).
await page.evaluate((s) => {
  const e = document.getElementById('source');
  e.value = s;
  e.dispatchEvent(new Event('input'));
}, big);
const alive = await page.evaluate(() => 1 + 1);
check(alive === 2 && Date.now() - t0 < 15000, 'a 1 MB paste leaves the page responsive');
await page.waitForFunction(() => !/compiling/.test(document.getElementById('status').textContent), null, { timeout: 60000 });
check(/error|ok/.test(await page.textContent('#status')), 'the 1 MB program ends in a result or an error');

// One engine: the page's values and diagnostics equal lrsc's on the golden programs.
let compared = 0;
for (const f of fs.readdirSync(goldenDir).filter((n) => n.endsWith('.lrs')).sort()) {
  const file = path.join(goldenDir, f);
  const src = fs.readFileSync(file, 'utf8');
  if (/^\s*import\b/m.test(src)) continue; // the page has no files to import
  const run = spawnSync(lrsc, ['eval', file, '--format', 'json'], { encoding: 'utf8' });
  const want = run.status === 0 ? JSON.parse(run.stdout) : null;
  if (want && want.step.length) {
    const got = await page.evaluate(([s, st]) => window.lrsPlayground.evaluate(s, st), [src, want.step]);
    const norm = (v) => (typeof v === 'number' && isFinite(v) ? v : null);
    let same = got.ok && Array.isArray(got.schedules);
    for (const [name, vals] of Object.entries(want)) {
      if (name === 'step' || !same) continue;
      const s = got.schedules.find((x) => x.name === name);
      same = !!s && vals.every((v, i) => norm(v) === norm(s.values[i]));
    }
    check(same, `golden ${f}: the page's values equal lrsc eval's`);
    compared++;
  } else if (run.status === 1) {
    const got = await page.evaluate((s) => window.lrsPlayground.evaluate(s, [0]), src);
    const mine = got.diagnostics.map((d) => d.text).join('');
    const theirs = run.stderr.split(file).join('playground.lrs');
    check(theirs.includes(mine.trim().split('\n')[0]), `golden ${f}: the page's diagnostics equal lrsc's`);
    compared++;
  }
}
check(compared >= 30, `compared ${compared} golden programs with lrsc`);
check(pageErrors.length === 0, 'no script errors on the page' + (pageErrors.length ? ': ' + pageErrors[0] : ''));

await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
