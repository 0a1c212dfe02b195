// The operators' commands against a real ZooKeeper and a running daemon:
// pause/resume, stat, show, list filters and formats, rm, requeue, purge
// with filters and dry run, delete.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStandalone, waitFor, type ZkCluster } from '../helpers/zk-server.js';
import { freshRoot, ok, run, startDaemon, type DaemonProcess } from '../helpers/cli.js';
import { connectTo } from '../helpers/zk.js';
import { createJobSpec, reserveSequences } from '../../src/submit.js';
import { createResult } from '../../src/complete.js';
import { encodeJobSpec } from '../../src/job-spec.js';
import { formatJobId } from '../../src/job-id.js';

let zk: ZkCluster;
let daemon: DaemonProcess;
const root = freshRoot();
const conn = () => ['--zk', zk.connectString, '--root', root];
const zkjobq = (...args: string[]) => ok('zkjobq', [args[0], ...conn(), ...args.slice(1)]);
const stateOf = async (id: string) => JSON.parse(await ok('zkjobc', ['status', ...conn(), '--json', id])).state as string;

before(async () => {
  zk = await startStandalone();
  daemon = await startDaemon({ zk: zk.connectString, root, nodeId: 'op', slots: 2, queues: ['default', 'work'] });
});
after(async () => {
  await daemon?.stop();
  await zk?.stop();
});

test('pause stops new starts but lets running jobs finish; resume starts them', async (t) => {
  // The first job runs until the test lets it end, after the pause: its
  // "running" lasts, where a `sleep 2` could go from pending to succeeded
  // between two status polls of a loaded machine (each one spawns zkjobc).
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zkjobs-pause-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, 0o777);
  const [started, release] = [path.join(dir, 'started'), path.join(dir, 'release')];
  const script = 'touch "$1"; while [ ! -e "$2" ]; do sleep 0.1; done';
  const running = (await ok('zkjobc', ['submit', ...conn(), '-q', 'work', '--', 'sh', '-c', script, 'job', started, release])).trim();
  await waitFor('the first job to run', async () => existsSync(started) && (await stateOf(running)) === 'running', 60_000, 100);
  assert.equal(await zkjobq('pause', 'work'), 'work: paused\n');
  const held = (await ok('zkjobc', ['submit', ...conn(), '-q', 'work', '--', 'true'])).trim();
  writeFileSync(release, '');
  await waitFor('the running job to finish while paused', async () => (await stateOf(running)) === 'succeeded', 60_000, 100);
  const stat = JSON.parse(await zkjobq('stat', 'work', '--json'));
  assert.equal(stat.paused, true);
  assert.equal(stat.pending, 1);
  assert.equal(await stateOf(held), 'pending', 'nothing new started while paused');
  assert.equal(await zkjobq('resume', 'work'), 'work: resumed\n');
  await waitFor('the held job to run after resume', async () => (await stateOf(held)) === 'succeeded', 60_000, 100);
});

test('stat counts per state and show describes one job', async () => {
  const failed = await run('zkjobc', ['submit', ...conn(), '--wait', '--name', 'doomed', '--', 'sh', '-c', 'exit 5']);
  const id = failed.stdout.trim();
  const stat = JSON.parse(await zkjobq('stat', 'default', '--json'));
  assert.deepEqual([stat.queue, stat.pending, stat.running, stat.maxRunning, stat.finished >= 1], ['default', 0, 0, null, true]);
  assert.match(await zkjobq('stat'), /^QUEUE\s+STATE\s+NODES\s+PENDING\s+HELD\s+RUNNING\s+LIMIT\s+FINISHED\s+OLDEST\s+RUNNING\/NODE\n(?:\S+\s+active\s+\d+\s+\d+\s+\d+\s+\d+\s+-\s+\d+\s+\S+\s+\S+\n)+$/);
  assert.match(await zkjobq('stat', 'default'), /\ndefault\s+active\s+1\s/, 'one live node serves default');
  const shown = await zkjobq('show', id);
  for (const line of [`Job:       ${id}`, 'State:     failed', 'Name:      doomed', "Command:   sh -c 'exit 5'", 'Node:      op', 'Exit:      5']) {
    assert.ok(shown.includes(line), `show has ${line}:\n${shown}`);
  }
});

test('list filters by state and node, and prints parsable and chosen columns', async () => {
  const bad = (await run('zkjobc', ['submit', ...conn(), '--wait', '--', 'false'])).stdout.trim();
  const good = (await run('zkjobc', ['submit', ...conn(), '--wait', '--', 'true'])).stdout.trim();
  const failedOnly = (await zkjobq('list', 'default', '--state', 'failed', '--format', 'JOB,STATE', '--parsable')).trim().split('\n');
  assert.ok(failedOnly.includes(`${bad}|failed`));
  assert.ok(!failedOnly.some((l) => l.startsWith(good)));
  assert.ok(failedOnly.every((l) => /^default\/\d{10}\|failed$/.test(l)));
  assert.equal((await zkjobq('list', 'default', '--node', 'nobody', '--parsable')), '');
  const bad2 = await run('zkjobq', ['list', ...conn(), '--format', 'JOB,COLOUR']);
  assert.equal(bad2.code, 64);
});

test('list pages with --limit and --after, counting only matching jobs, in job order', async () => {
  await zkjobq('create', 'pages');
  await zkjobq('pause', 'pages');
  const ids: string[] = [];
  for (const argv of [['true'], ['true'], ['true'], ['false'], ['true'], ['false']]) ids.push((await ok('zkjobc', ['submit', ...conn(), '-q', 'pages', '--', ...argv])).trim());
  // Finished and pending jobs interleave: cancel two in the middle.
  await ok('zkjobc', ['cancel', ...conn(), ids[1], ids[4]]);
  const page = (args: string[]) => run('zkjobq', ['list', ...conn(), '--format', 'JOB,STATE', '--parsable', ...args]);
  const first = await page(['pages', '--limit', '2']);
  assert.deepEqual(first.stdout.trim().split('\n'), [`${ids[0]}|pending`, `${ids[1]}|cancelled`]);
  const second = await page(['--after', ids[1], '--limit', '2']);
  assert.deepEqual(second.stdout.trim().split('\n'), [`${ids[2]}|pending`, `${ids[3]}|pending`]);
  const rest = await page(['--after', ids[3]]);
  assert.deepEqual(rest.stdout.trim().split('\n'), [`${ids[4]}|cancelled`, `${ids[5]}|pending`]);
  const cancelledOnly = await page(['pages', '--state', 'cancelled', '--limit', '1', '--after', ids[1]]);
  assert.equal(cancelledOnly.stdout, `${ids[4]}|cancelled\n`, 'the limit counts matching jobs only');
  const table = await run('zkjobq', ['list', ...conn(), 'pages', '--limit', '3']);
  assert.equal(table.stderr, `zkjobq: pages: stopped at --limit 3; continue with --after ${ids[2]}\n`);
  const wrongQueue = await run('zkjobq', ['list', ...conn(), 'default', '--after', ids[0]]);
  assert.equal(wrongQueue.code, 64, wrongQueue.stderr);
  await zkjobq('purge', 'pages', '--yes');
});

test('rm removes pending and finished jobs and refuses running ones; requeue resubmits', async () => {
  const failed = (await run('zkjobc', ['submit', ...conn(), '--wait', '--', 'sh', '-c', 'exit 9'])).stdout.trim();
  const again = (await zkjobq('requeue', failed)).trim();
  assert.notEqual(again, failed);
  assert.equal((await run('zkjobc', ['wait', ...conn(), again])).code, 9, 'the requeued job ran again');
  assert.equal(await stateOf(failed), 'failed', 'the old result is kept');
  assert.equal((await run('zkjobq', ['requeue', ...conn(), again.replace(/\d+$/, '0000099999')])).code, 1);

  const long = (await ok('zkjobc', ['submit', ...conn(), '--', 'sleep', '30'])).trim();
  await waitFor('it to run', async () => (await stateOf(long)) === 'running', 20_000);
  const refused = await run('zkjobq', ['rm', ...conn(), long]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /is running; cancel it first/);
  await ok('zkjobc', ['cancel', ...conn(), long]);
  assert.equal(await zkjobq('rm', failed), `${failed} removed (finished)\n`);
  assert.equal((await run('zkjobc', ['status', ...conn(), failed])).code, 1);
});

test('purge by state with a dry run first, and --older-than', async () => {
  await run('zkjobc', ['submit', ...conn(), '-q', 'work', '--wait', '--', 'false']);
  await run('zkjobc', ['submit', ...conn(), '-q', 'work', '--wait', '--', 'true']);
  const before = (await zkjobq('list', 'work', '--parsable', '--format', 'JOB')).trim().split('\n').length;
  assert.match(await zkjobq('purge', 'work', '--state', 'failed', '--dry-run'), /^would purge 1 jobs from work/);
  assert.equal((await zkjobq('list', 'work', '--parsable', '--format', 'JOB')).trim().split('\n').length, before, 'a dry run removes nothing');
  assert.match(await zkjobq('purge', 'work', '--state', 'failed', '--older-than', '1h', '--yes'), /^purged 0 jobs/);
  assert.match(await zkjobq('purge', 'work', '--state', 'failed', '--yes'), /^purged 1 jobs from work \(0 pending, 1 finished/);
  assert.equal((await zkjobq('list', 'work', '--state', 'failed', '--parsable')), '');
  assert.ok((await zkjobq('list', 'work', '--state', 'succeeded', '--parsable')).length > 0, 'other states are kept');
});

test('delete removes a queue and all its jobs; later submits are refused', async () => {
  await ok('zkjobq', ['create', ...conn(), 'scratch']);
  await ok('zkjobc', ['submit', ...conn(), '-q', 'scratch', '--', 'true']);
  assert.match(await zkjobq('delete', 'scratch', '--yes'), /^scratch: deleted with 1 jobs/);
  const r = await run('zkjobc', ['submit', ...conn(), '-q', 'scratch', '--', 'true']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no such queue 'scratch'/);
});

test('purging a failed job whose spec a crash left behind removes both: it does not come back as pending', async () => {
  await ok('zkjobq', ['create', ...conn(), 'leftover']);
  const { zk: client, paths } = await connectTo(zk.connectString, root);
  let id: string;
  try {
    // What a daemon leaves when it dies between publishing the result and deleting the spec.
    const seq = await reserveSequences(client, paths, 'leftover', 1);
    const spec = { argv: ['false'], submittedAt: new Date().toISOString() };
    await createJobSpec(client, paths, { queue: 'leftover', seq }, encodeJobSpec(spec));
    await createResult(client, paths, { queue: 'leftover', seq }, { state: 'failed', exitCode: 1, signal: null, reason: null, node: 'dead', attempt: 1, startedAt: null, finishedAt: new Date().toISOString(), stdoutTail: '', stderrTail: '', spec });
    id = formatJobId({ queue: 'leftover', seq });
  } finally {
    client.close();
  }
  assert.equal(await stateOf(id), 'failed');
  assert.match(await zkjobq('purge', 'leftover', '--state', 'failed', '--yes'), /^purged 1 jobs/);
  const after = await run('zkjobc', ['status', ...conn(), id]);
  assert.equal(after.code, 1, `the job is gone, not pending again: ${after.stdout}`);
});
