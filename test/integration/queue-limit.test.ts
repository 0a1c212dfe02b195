// A queue's max_running holds across the cluster (DESIGN invariant 5):
// measured from the jobs' own start and end records over several daemons,
// changed at run time with zkjobq limit and from zkjobd.conf, and a killed
// daemon's run slots die with its session.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { standaloneFixture } from '../helpers/fixture.js';
import { waitFor } from '../helpers/zk-server.js';
import { DaemonProcess, FIXTURES, freshRoot, ok, run, startDaemon } from '../helpers/cli.js';
import { recordFile, submitRecorded, waitAllFinished } from '../helpers/jobs.js';
import { maxConcurrency, readRunEvents } from '../helpers/run-records.js';

const fixture = standaloneFixture();
const daemons = fixture.daemons;
const conn = (root: string) => ['--zk', fixture.zk().connectString, '--root', root];

async function status(root: string, id: string): Promise<{ state: string; node?: string; result?: { node: string; attempt: number } }> {
  return JSON.parse(await ok('zkjobc', ['status', ...conn(root), '--json', id]));
}

/** Holds for the whole window: what a limit must keep from happening. */
async function staysPending(root: string, id: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    assert.equal((await status(root, id)).state, 'pending', `${id} started although the queue is at its limit`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('max_running 4 holds over three daemons of three slots each, and four do run', async () => {
  const root = freshRoot();
  const record = recordFile('limit');
  assert.match(await ok('zkjobq', ['create', ...conn(root), '--max-running', '4', 'default']), /^default: created, max running 4$/m);
  // Jobs of 2 s: on a loaded machine a freed limit slot can take a second
  // to be taken again (watch, claim, spawn); with jobs as short as that,
  // four never overlapped although nothing held them back (3 of 4 running,
  // 1 run in 2 at a load average of 19).
  await submitRecorded(fixture.zk().connectString, root, record, 24, '2');
  for (const nodeId of ['la', 'lb', 'lc']) daemons.push(await startDaemon({ zk: fixture.zk().connectString, root, nodeId, slots: 3 }));
  const jobs = await waitAllFinished(fixture.zk().connectString, root, 24, 90_000);
  assert.ok(jobs.every((j) => j.state === 'succeeded'));
  const events = readRunEvents(record);
  assert.equal(maxConcurrency(events), 4, 'never more than the limit, and the limit is reached');
  assert.ok(new Set(events.map((e) => e.node)).size > 1, 'the jobs ran on several nodes');
});

test('zkjobq limit: a full queue holds its pending jobs, raising the limit starts them, lowering holds new ones', async () => {
  const root = freshRoot();
  await ok('zkjobq', ['create', ...conn(root), 'default']);
  assert.match(await ok('zkjobq', ['limit', ...conn(root), 'default']), /^default: max running none$/m);
  assert.match(await ok('zkjobq', ['limit', ...conn(root), 'default', '1']), /^default: max running 1 \(was none\)$/m);
  for (const nodeId of ['ma', 'mb']) daemons.push(await startDaemon({ zk: fixture.zk().connectString, root, nodeId, slots: 2 }));
  const long = (await ok('zkjobc', ['submit', ...conn(root), '--', 'sleep', '600'])).trim();
  await waitFor('the long job to run', async () => (await status(root, long)).state === 'running', 20_000, 100);
  const held = (await ok('zkjobc', ['submit', ...conn(root), '--', 'true'])).trim();
  await staysPending(root, held, 2_000);
  const stat = JSON.parse(await ok('zkjobq', ['stat', ...conn(root), 'default', '--json']));
  assert.deepEqual([stat.maxRunning, stat.running, stat.pending], [1, 1, 1]);

  assert.match(await ok('zkjobq', ['limit', ...conn(root), 'default', '2']), /max running 2 \(was 1\)/);
  await waitFor('the held job to succeed once the limit is raised', async () => (await status(root, held)).state === 'succeeded', 20_000, 100);

  await ok('zkjobq', ['limit', ...conn(root), 'default', '1']);
  const next = (await ok('zkjobc', ['submit', ...conn(root), '--', 'true'])).trim();
  await staysPending(root, next, 2_000);
  await ok('zkjobc', ['cancel', ...conn(root), long]);
  await waitFor('the next job to succeed once the long one is cancelled', async () => (await status(root, next)).state === 'succeeded', 20_000, 100);
});

test('zkjobq limit refuses bad values (64) and missing queues (1), changing nothing', async () => {
  const root = freshRoot();
  await ok('zkjobq', ['create', ...conn(root), '--max-running', '3', 'default']);
  for (const bad of ['0', '-1', 'lots', '2.5', '10001']) {
    const r = await run('zkjobq', ['limit', ...conn(root), 'default', bad]);
    assert.equal(r.code, 64, `${bad}: ${r.stderr}`);
    assert.match(r.stderr.split('\n')[0], /^zkjobq: max running jobs must be a whole number from 1 to 10000 or 'none', got '.*'$/);
  }
  const missing = await run('zkjobq', ['limit', ...conn(root), 'nosuch', '2']);
  assert.equal(missing.code, 1, missing.stderr);
  assert.match(missing.stderr, /no such queue 'nosuch'/);
  assert.match(await ok('zkjobq', ['limit', ...conn(root), 'default']), /^default: max running 3$/m);
  assert.match(await ok('zkjobq', ['limit', ...conn(root), 'default', 'none']), /max running none \(was 3\)/);
});

test('a lowered limit holds new jobs until fewer run, even on a node reusing a finished job\'s slot', async () => {
  const root = freshRoot();
  const record = recordFile('limit-lower');
  const gate = path.join(mkdtempSync(path.join(os.tmpdir(), 'zkjobs-limit-gate-')), 'open');
  await ok('zkjobq', ['create', ...conn(root), '--max-running', '1', 'default']);
  daemons.push(await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'lw', slots: 2 }));
  // Slot 0 goes to a gated job, then slot 1 to a long one; the short jobs reuse slot 0 once the gate opens.
  const gated = (await ok('zkjobc', ['submit', ...conn(root), '--', 'sh', '-c', `while [ ! -e ${gate} ]; do sleep 0.05; done`])).trim();
  await waitFor('the gated job to run', async () => (await status(root, gated)).state === 'running', 20_000, 100);
  await ok('zkjobq', ['limit', ...conn(root), 'default', '2']);
  await ok('zkjobc', ['submit', ...conn(root), '--', path.join(FIXTURES, 'record-run.sh'), record, '6']);
  await waitFor('the long job to start', () => readRunEvents(record).some((e) => e.kind === 'start'), 20_000, 50);
  const shorts = await submitRecorded(fixture.zk().connectString, root, record, 30, '0.2');
  writeFileSync(gate, '');
  await waitFor('short jobs to cycle through the freed slot', () => readRunEvents(record).filter((e) => e.kind === 'end' && shorts.includes(e.job)).length >= 2, 20_000, 50);
  await ok('zkjobq', ['limit', ...conn(root), 'default', '1']);
  const loweredAt = BigInt(Date.now()) * 1_000_000n;
  await waitAllFinished(fixture.zk().connectString, root, 32, 90_000);
  const events = readRunEvents(record);
  const longEnd = events.find((e) => e.kind === 'end' && !shorts.includes(e.job))!.ns;
  // A pass already under way when the limit changed may still start one job: allow it a second.
  const startedWhileLongRan = events.filter((e) => e.kind === 'start' && shorts.includes(e.job) && e.ns > loweredAt + 1_000_000_000n && e.ns < longEnd);
  assert.deepEqual(startedWhileLongRan.map((e) => e.job), [], 'no job started while the long one kept the queue at its lowered limit');
  assert.ok(events.some((e) => e.kind === 'start' && e.ns > longEnd), 'the rest ran once it ended');
});

test("a SIGKILLed daemon's run slot dies with its session: a peer goes on", async () => {
  const root = freshRoot();
  const record = recordFile('limit-kill');
  await ok('zkjobq', ['create', ...conn(root), '--max-running', '1', 'default']);
  const first = await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'ka', slots: 2 });
  daemons.push(first);
  const [interrupted, after] = await submitRecorded(fixture.zk().connectString, root, record, 2, '2');
  await waitFor('the first job to start on ka', () => readRunEvents(record).some((e) => e.kind === 'start' && e.node === 'ka'), 20_000, 50);
  first.signal('SIGKILL');
  await first.exited;
  daemons.push(await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'kb', slots: 2 }));
  const jobs = await waitAllFinished(fixture.zk().connectString, root, 2, 60_000);
  assert.ok(jobs.every((j) => j.state === 'succeeded' && j.result!.node === 'kb'), JSON.stringify(jobs));
  assert.equal((await status(root, interrupted)).result!.attempt, 2, 'the interrupted job ran again');
  assert.equal((await status(root, after)).result!.attempt, 1);
  const onKb = readRunEvents(record).filter((e) => e.node === 'kb');
  assert.equal(maxConcurrency(onKb), 1, 'the peer held to the limit too');
});

test('max_running in a [queue] section is written to the queue at start and on SIGHUP', async () => {
  const root = freshRoot();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zkjobs-limit-conf-'));
  const file = path.join(dir, 'zkjobd.conf');
  // Said explicitly: a root daemon runs no job as root otherwise, and the jobs write into this runner's temp dir.
  const runAsRoot = process.getuid?.() === 0 ? ['run_as = root'] : [];
  const write = (limit: string) => writeFileSync(file, [`zk = ${fixture.zk().connectString}`, `root = ${root}`, 'node_id = conf', 'slots = 8', 'queues = gpu', `spool_dir = ${dir}`, ...runAsRoot, '[queue gpu]', `max_running = ${limit}`, ''].join('\n'));
  write('5');
  const daemon = new DaemonProcess({ zk: '', root: '', nodeId: 'conf', raw: ['--config', file] });
  daemons.push(daemon);
  await daemon.started();
  assert.match(await ok('zkjobq', ['limit', ...conn(root), 'gpu']), /^gpu: max running 5$/m);
  write('2');
  daemon.signal('SIGHUP');
  await daemon.waitForLog(/configuration reloaded/);
  assert.match(await ok('zkjobq', ['limit', ...conn(root), 'gpu']), /^gpu: max running 2$/m);
  assert.match(daemon.log, /queue's max_running set from this node's configuration .*maxRunning=2 .*was=5/);
  // The jobs' own records show that the reloaded limit is the one enforced, below the node's 8 slots.
  const record = recordFile('limit-conf');
  await submitRecorded(fixture.zk().connectString, root, record, 10, '0.3', 'gpu');
  await waitAllFinished(fixture.zk().connectString, root, 10, 60_000, 'gpu');
  assert.equal(maxConcurrency(readRunEvents(record)), 2);
});
