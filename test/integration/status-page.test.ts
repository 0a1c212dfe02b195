// The status page in a real browser (Debian's chromium, headless, through
// playwright-core) against a live cluster of real daemons: jobs submitted
// with zkjobc show up pending, running, then finished without a reload; a
// failed job shows among the failures with its exit status and stderr; the
// job view follows a job's output; a killed node leaves the node list.
// A screenshot is saved (ZKJOBS_SCREENSHOT names the file; the README's is
// docs/status-page.png).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { standaloneFixture } from '../helpers/fixture.js';
import { freshRoot, ok, startDaemon } from '../helpers/cli.js';
import { statusUrl, STATUS_ON_FREE_PORT } from '../helpers/status.js';
import { hasChromium, launchBrowser } from '../helpers/browser.js';

const fixture = standaloneFixture();
const root = freshRoot();
const conn = () => ['--zk', fixture.zk().connectString, '--root', root];
const submit = async (...args: string[]) => (await ok('zkjobc', ['submit', ...conn(), ...args])).trim();

test('the page follows jobs, failures and nodes live, in chromium', { skip: !hasChromium && 'Debian chromium is not installed (make deps installs it)', timeout: 180_000 }, async () => {
  const web = await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'web-1', slots: 3, args: STATUS_ON_FREE_PORT });
  const doomed = await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'web-2', slots: 1 });
  fixture.daemons.push(web, doomed);
  const url = await statusUrl(web);
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(url);
    // Marks this document: if the page reloaded, the mark would be gone.
    await page.evaluate(() => ((window as unknown as { loadedOnce: boolean }).loadedOnce = true));
    await page.locator('#nodes tr[data-node="web-2"]').waitFor({ timeout: 20_000 });
    await page.locator('#nodes tr[data-node="web-1"]').waitFor();

    // Some history for the chart and the list of results.
    for (const argv of [['true'], ['sleep', '1'], ['sh', '-c', 'ls / >/dev/null'], ['sleep', '2'], ['date']]) await submit('--', ...argv);
    await page.locator('#recent tr[data-state="succeeded"]').nth(4).waitFor({ timeout: 30_000 });
    await ok('zkjobq', ['pause', ...conn(), 'default']);
    const gate = path.join(mkdtempSync(path.join(os.tmpdir(), 'zkjobs-gate-')), 'open');
    const gated = await submit('--name', 'gated', '--', 'sh', '-c', `while [ ! -e ${gate} ]; do sleep 0.1; done; echo hello-from-the-gated-job`);
    const failing = await submit('--name', 'doomed', '--', 'sh', '-c', 'echo kaboom: no such table >&2; exit 7');
    await page.locator(`#pending tr[data-job="${gated}"]`).waitFor({ timeout: 20_000 });
    await page.locator(`#pending tr[data-job="${failing}"]`).waitFor();
    assert.match(await page.locator('#queues tr[data-queue="default"]').innerText(), /paused/);

    await ok('zkjobq', ['resume', ...conn(), 'default']);
    await page.locator(`#running tr[data-job="${gated}"]`).waitFor({ timeout: 20_000 });
    const failure = page.locator(`#failures [data-job="${failing}"]`);
    await failure.waitFor({ timeout: 20_000 });
    const failureText = await failure.innerText();
    assert.match(failureText, /exit 7/);
    assert.match(failureText, /kaboom: no such table/);
    if (process.env.ZKJOBS_SCREENSHOT) await page.screenshot({ path: process.env.ZKJOBS_SCREENSHOT, fullPage: false });

    // The job view follows the running job's output from its node.
    await page.locator(`#running tr[data-job="${gated}"] a`).click();
    await page.locator('#job-view').waitFor({ state: 'visible' });
    // The view fills in after it opens ('loading…' first): wait for the state, bounded.
    await page.locator('#job-fields', { hasText: /running/ }).waitFor({ timeout: 20_000 });
    writeFileSync(gate, '');
    await page.locator('#job-output', { hasText: 'hello-from-the-gated-job' }).waitFor({ timeout: 20_000 });
    await page.locator('#job-close').click();
    await page.locator(`#recent tr[data-job="${gated}"][data-state="succeeded"]`).waitFor({ timeout: 20_000 });
    await page.locator(`#running tr[data-job="${gated}"]`).waitFor({ state: 'detached' });
    assert.match(await page.locator(`#recent tr[data-job="${failing}"]`).innerText(), /failed\s+7/);

    // A drained node says so (it ran nothing meanwhile: drained, not draining).
    await ok('zkjobq', ['drain', ...conn(), 'web-2']);
    await page.locator('#nodes tr[data-node="web-2"] .pill.drained').waitFor({ timeout: 20_000 });
    assert.equal(await page.locator('#nodes tr[data-node="web-1"] .pill.live').count(), 1);

    // A node killed without a word leaves the list once its session expires.
    doomed.signal('SIGKILL');
    await page.locator('#nodes tr[data-node="web-2"]').waitFor({ state: 'detached', timeout: 30_000 });
    assert.equal(await page.locator('#nodes tr[data-node="web-1"]').count(), 1);
    assert.equal(await page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce), true, 'no reload');
    await page.screenshot({ path: path.join(mkdtempSync(path.join(os.tmpdir(), 'zkjobs-shot-')), 'status-page.png') });
    assert.deepEqual(errors, [], 'no script errors');
  } finally {
    await browser.close();
  }
});

test('the page is usable on a phone: no sideways scrolling of the page itself', { skip: !hasChromium && 'Debian chromium is not installed', timeout: 120_000 }, async () => {
  const daemon = await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'phone', args: STATUS_ON_FREE_PORT });
  fixture.daemons.push(daemon);
  const browser = await launchBrowser({ width: 390, height: 844 });
  try {
    const page = await browser.context.newPage();
    await page.goto(await statusUrl(daemon));
    await page.locator('#nodes tr[data-node="phone"]').waitFor({ timeout: 20_000 });
    const widths = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, view: window.innerWidth }));
    assert.ok(widths.doc <= widths.view, `the page is ${widths.doc}px wide in a ${widths.view}px screen`);
    if (process.env.ZKJOBS_SCREENSHOT) await page.screenshot({ path: process.env.ZKJOBS_SCREENSHOT.replace(/\.png$/, '-phone.png'), fullPage: true });
  } finally {
    await browser.close();
  }
});
