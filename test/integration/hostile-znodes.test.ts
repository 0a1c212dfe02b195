// Znodes that zkjobs did not write, put straight into a queue with the
// `zookeeper` binding as any client with write access can: none may run a
// job twice, lose a submitted job, or block a job or the queue; the daemon
// logs each finding once. Real daemons, real CLIs, one real ZooKeeper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { standaloneFixture } from '../helpers/fixture.js';
import { FIXTURES, freshRoot, ok, run, startDaemon, type DaemonProcess } from '../helpers/cli.js';
import { connectTo } from '../helpers/zk.js';
import { recordFile, waitAllFinished } from '../helpers/jobs.js';
import { readRunEvents, startsPerJob } from '../helpers/run-records.js';
import { waitFor } from '../helpers/zk-server.js';
import { bucketOf, type Paths } from '../../src/zk/paths.js';
import type { ZkClient } from '../../src/zk/client.js';
import path from 'node:path';

const fx = standaloneFixture();

interface Queue {
  root: string;
  conn: string[];
  daemon: DaemonProcess;
  zk: ZkClient;
  paths: Paths;
}

/** A fresh root with one daemon (slots given), the queue paused so that hand-made znodes go in first. */
async function pausedQueue(slots: number): Promise<Queue> {
  const root = freshRoot();
  const conn = ['--zk', fx.zk().connectString, '--root', root];
  const daemon = await startDaemon({ zk: fx.zk().connectString, root, nodeId: 'n1', slots });
  fx.daemons.push(daemon);
  await ok('zkjobq', ['pause', ...conn, 'default']);
  const { zk, paths } = await connectTo(fx.zk().connectString, root);
  return { root, conn, daemon, zk, paths };
}

async function submitRecorded(q: Queue, record: string, sleep = '0'): Promise<string> {
  return (await ok('zkjobc', ['submit', ...q.conn, '--', path.join(FIXTURES, 'record-run.sh'), record, sleep])).trim();
}

function seqOf(id: string): number {
  return Number(id.slice(id.lastIndexOf('/') + 1));
}

/** The daemon's log lines reporting a finding about exactly `znode`. */
function findingLines(daemon: DaemonProcess, znode: string): string[] {
  const escaped = znode.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`found a znode zkjobs did not write.* path=${escaped}(\\s|$)`);
  return daemon.log.split('\n').filter((line) => pattern.test(line));
}

/** Make a container bucket if missing, as zkjobs does, then `name` in it. */
async function createIn(zk: ZkClient, bucketPath: string, name: string, data: Buffer | string): Promise<string> {
  await zk.createIfAbsent(bucketPath, '', 'container');
  const full = `${bucketPath}/${name}`;
  await zk.create(full, data);
  return full;
}

test('alias names beside a job (1, 01) never run it again: one run, attempt 1, each alias logged once', async () => {
  const q = await pausedQueue(3);
  const record = recordFile('alias');
  try {
    const id = await submitRecorded(q, record, '1');
    const seq = seqOf(id);
    const spec = (await q.zk.get(q.paths.pendingJob('default', seq))).data;
    const bucket = q.paths.pendingBucket('default', bucketOf(seq));
    const aliases = [await createIn(q.zk, bucket, String(seq), spec), await createIn(q.zk, bucket, `0${seq}`, spec)];
    // An alias claim blocks nothing, and is only reported.
    const aliasClaim = `${q.paths.claims('default')}/${seq}`;
    await q.zk.create(aliasClaim, 'x', 'persistent');
    await ok('zkjobq', ['resume', ...q.conn, 'default']);
    // Two more jobs make the daemon list the head bucket again: findings must not be logged again.
    const more = [await submitRecorded(q, record), await submitRecorded(q, record)];
    const jobs = await waitAllFinished(fx.zk().connectString, q.root, 3, 60_000);
    const starts = startsPerJob(readRunEvents(record));
    assert.equal(starts.get(id), 1, `${id} ran ${starts.get(id)} times`);
    for (const other of more) assert.equal(starts.get(other), 1);
    const job = jobs.find((j) => j.id === id)!;
    assert.equal(job.state, 'succeeded');
    assert.equal(job.result?.attempt, 1, 'no attempts counted by aliases');
    for (const alias of [...aliases, aliasClaim]) assert.equal(findingLines(q.daemon, alias).length, 1, `${alias} logged once:\n${q.daemon.log}`);
    const listed = JSON.parse(`[${(await ok('zkjobq', ['list', ...q.conn, '--json'])).trim().split('\n').join(',')}]`) as { id: string }[];
    assert.deepEqual(listed.map((j) => j.id).sort(), [id, ...more].sort(), 'aliases are not listed as jobs');
  } finally {
    q.zk.close();
  }
});

test('a persistent claim is no claim: status says pending, rm and cancel work, and the daemon runs the job', async () => {
  const q = await pausedQueue(2);
  const record = recordFile('stray');
  const ghost = JSON.stringify({ node: 'ghost', since: new Date().toISOString() });
  try {
    const [toRemove, toCancel, toRun] = [await submitRecorded(q, record), await submitRecorded(q, record), await submitRecorded(q, record)];
    for (const id of [toRemove, toCancel, toRun]) await q.zk.create(q.paths.claim('default', seqOf(id)), ghost, 'persistent');
    const status = await ok('zkjobc', ['status', ...q.conn, toRun]);
    assert.match(status, /pending/, status);
    assert.doesNotMatch(status, /ghost/, status);

    const rm = await run('zkjobq', ['rm', ...q.conn, toRemove]);
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal(await q.zk.exists(q.paths.pendingJob('default', seqOf(toRemove))), null);

    const cancel = await run('zkjobc', ['cancel', ...q.conn, toCancel], { timeoutMs: 30_000 });
    assert.equal(cancel.code, 0, cancel.stderr);
    assert.match(await ok('zkjobc', ['status', ...q.conn, toCancel]), /cancelled/);

    await ok('zkjobq', ['resume', ...q.conn, 'default']);
    const claimPath = q.paths.claim('default', seqOf(toRun));
    await waitFor(`${toRun} to succeed`, async () => /succeeded/.test((await run('zkjobc', ['status', ...q.conn, toRun])).stdout), 30_000, 250);
    assert.equal(startsPerJob(readRunEvents(record)).get(toRun), 1);
    assert.equal(findingLines(q.daemon, claimPath).length, 1, q.daemon.log);
  } finally {
    q.zk.close();
  }
});

test('a counter at the end of the id range: the last number runs, then submit fails with 65 and changes nothing', async () => {
  const q = await pausedQueue(1);
  try {
    await ok('zkjobq', ['resume', ...q.conn, 'default']);
    await q.zk.set(q.paths.counter('default'), '9999999998');
    const last = (await ok('zkjobc', ['submit', ...q.conn, '--wait', '--', 'true'], { timeoutMs: 30_000 })).trim();
    assert.equal(last, 'default/9999999999');
    const over = await run('zkjobc', ['submit', ...q.conn, '--', 'true']);
    assert.equal(over.code, 65, over.stderr);
    assert.match(over.stderr, /no job numbers left/);
    assert.equal(over.stderr.trim().split('\n').length, 1, over.stderr);
    assert.equal(over.stdout, '', 'no id printed');
    assert.equal((await q.zk.get(q.paths.counter('default'))).data.toString(), '9999999999', 'counter unchanged');
    const batch = await run('zkjobc', ['submit', ...q.conn, '--batch', '-'], { input: '["true"]\n' });
    assert.equal(batch.code, 65, batch.stderr);
  } finally {
    q.zk.close();
  }
});

test('a garbage queue config is served as paused, shown by stat, and repaired by resume and limit', async () => {
  const q = await pausedQueue(1);
  try {
    await ok('zkjobq', ['resume', ...q.conn, 'default']);
    await q.zk.set(q.paths.queue('default'), JSON.stringify({ paused: 'yes' }));
    const id = (await ok('zkjobc', ['submit', ...q.conn, '--', 'true'])).trim();
    const stat = await run('zkjobq', ['stat', ...q.conn, 'default']);
    assert.equal(stat.code, 0, stat.stderr);
    assert.match(stat.stdout, /default\s+paused/);
    assert.match(stat.stderr, /config is unreadable/);
    await q.daemon.waitForLog(/unreadable queue config/);
    // Served as paused: the job stays pending while the daemon has seen the config (bounded look, not a wait for something).
    const deadline = Date.now() + 2_000;
    while (Date.now() < deadline) {
      assert.match(await ok('zkjobc', ['status', ...q.conn, id]), /pending/);
      await new Promise((r) => setTimeout(r, 250));
    }
    const limit = await run('zkjobq', ['limit', ...q.conn, 'default', '3']);
    assert.equal(limit.code, 0, limit.stderr);
    assert.match(limit.stderr, /was unreadable/);
    await q.zk.set(q.paths.queue('default'), '{not json');
    const resume = await run('zkjobq', ['resume', ...q.conn, 'default']);
    assert.equal(resume.code, 0, resume.stderr);
    assert.match(resume.stderr, /was unreadable/);
    assert.equal(resume.stderr.trim().split('\n').length, 1, resume.stderr);
    await waitFor(`${id} to succeed`, async () => /succeeded/.test((await run('zkjobc', ['status', ...q.conn, id])).stdout), 30_000, 250);
    assert.equal(findingLines(q.daemon, q.paths.queue('default')).length, 2, 'each unreadable config logged once');
  } finally {
    q.zk.close();
  }
});

test('a spec in the wrong bucket is never run or listed twice, and is logged once', async () => {
  const q = await pausedQueue(2);
  const record = recordFile('misplaced');
  try {
    const id = await submitRecorded(q, record);
    const seq = seqOf(id);
    const spec = (await q.zk.get(q.paths.pendingJob('default', seq))).data;
    const misplaced = await createIn(q.zk, q.paths.pendingBucket('default', bucketOf(seq + 10_000)), (await q.zk.children(q.paths.pendingBucket('default', bucketOf(seq))))[0], spec);
    const listed = (await ok('zkjobq', ['list', ...q.conn, '--json'])).trim().split('\n');
    assert.equal(listed.length, 1, `listed once: ${listed.join('\n')}`);
    await ok('zkjobq', ['resume', ...q.conn, 'default']);
    await waitAllFinished(fx.zk().connectString, q.root, 1, 30_000);
    const next = await submitRecorded(q, record);
    await waitAllFinished(fx.zk().connectString, q.root, 2, 30_000);
    const starts = startsPerJob(readRunEvents(record));
    assert.equal(starts.get(id), 1);
    assert.equal(starts.get(next), 1);
    assert.notEqual(await q.zk.exists(misplaced), null, 'left for zkjobq check --repair');
    assert.equal(findingLines(q.daemon, misplaced).length, 1, q.daemon.log);
  } finally {
    q.zk.close();
  }
});

test('a garbage result beside a pending spec ends that job as failed, and the queue goes on', async () => {
  const q = await pausedQueue(1);
  try {
    const id = (await ok('zkjobc', ['submit', ...q.conn, '--', 'true'])).trim();
    const seq = seqOf(id);
    const resultPath = await createIn(q.zk, q.paths.resultBucket('default', bucketOf(seq)), id.slice(id.lastIndexOf('/') + 1), 'garbage');
    await ok('zkjobq', ['resume', ...q.conn, 'default']);
    const next = (await ok('zkjobc', ['submit', ...q.conn, '--wait', '--', 'true'], { timeoutMs: 30_000 })).trim();
    assert.match(await ok('zkjobc', ['status', ...q.conn, next]), /succeeded/);
    const status = await run('zkjobc', ['status', ...q.conn, id]);
    assert.match(status.stdout, /failed/, status.stdout);
    await waitFor('the pending spec to be cleaned up', async () => (await q.zk.exists(q.paths.pendingJob('default', seq))) === null, 10_000);
    assert.equal(findingLines(q.daemon, resultPath).length, 1, q.daemon.log);
  } finally {
    q.zk.close();
  }
});
