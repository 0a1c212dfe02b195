// zkjobq hold / release against a real ZooKeeper and a real zkjobd: a held
// job is not run while later jobs are, release runs it in its place by
// number, a running job cannot be held, a move cut short (planted: the job
// in both buckets) is finished by running the command again, and on a
// restricted queue only the admin identity may hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { standaloneFixture } from '../helpers/fixture.js';
import { waitFor } from '../helpers/zk-server.js';
import { freshRoot, ok, run, startDaemon } from '../helpers/cli.js';
import { digestId } from '../../src/acl.js';
import { ZkClient } from '../../src/zk/client.js';
import { Paths } from '../../src/zk/paths.js';
import { parseJobId } from '../../src/job-id.js';
import { getJson, ServeProcess } from '../helpers/status.js';
import { recordFile, submitRecorded, waitAllFinished } from '../helpers/jobs.js';
import { readRunEvents, startsPerJob } from '../helpers/run-records.js';
import { holdJob, releaseJob } from '../../src/hold.js';
import { ZkjobsError } from '../../src/errors.js';
import type { ClusterSnapshot } from '../../src/status/snapshot.js';

const fixture = standaloneFixture();

const conn = (root: string) => ['--zk', fixture.zk().connectString, '--root', root];
const submit = async (root: string, ...args: string[]) => (await ok('zkjobc', ['submit', ...conn(root), ...args])).trim();

interface Status {
  state: string;
  held: boolean;
  reason: string | null;
  attempt: number;
  node: string | null;
  result: { startedAt: string | null } | null;
}

async function statusOf(root: string, id: string): Promise<Status> {
  return JSON.parse(await ok('zkjobc', ['status', ...conn(root), '--json', id]));
}

/** The buckets of pending/ that hold a copy of `id`'s spec, with the copy's bytes and data version. */
async function copiesOf(zk: ZkClient, root: string, id: string): Promise<{ bucket: string; data: string; version: number }[]> {
  const { queue, seq } = parseJobId(id);
  const paths = new Paths(root);
  const found = [];
  for (const bucket of (await zk.childrenOrEmpty(paths.pending(queue))).sort()) {
    const node = await zk.getOrNull(paths.pendingIn(queue, bucket, seq));
    if (node) found.push({ bucket, data: node.data.toString(), version: node.stat.version });
  }
  return found;
}

async function withZk<T>(body: (zk: ZkClient) => Promise<T>, auth?: string): Promise<T> {
  const zk = await ZkClient.connect({ connect: fixture.zk().connectString, auth });
  try {
    return await body(zk);
  } finally {
    zk.close();
  }
}

test('a held job is not run while later jobs are; released, it runs before jobs submitted after it', async () => {
  const root = freshRoot();
  fixture.daemons.push(await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'solo', slots: 1 }));
  await ok('zkjobq', ['pause', ...conn(root), 'default']);
  const [held, second, third] = [await submit(root, '--', 'true'), await submit(root, '--', 'true'), await submit(root, '--', 'true')];
  assert.equal(await ok('zkjobq', ['hold', ...conn(root), held]), `${held} held (zkjobq release ${held} lets it run)\n`);
  assert.equal(await ok('zkjobq', ['hold', ...conn(root), held]), `${held} already held; nothing changed\n`);
  const s = await statusOf(root, held);
  assert.deepEqual([s.state, s.held, s.reason], ['pending', true, `held (zkjobq release ${held} lets it run)`]);
  assert.match(await ok('zkjobq', ['show', ...conn(root), held]), new RegExp(`^Reason: +held \\(zkjobq release ${held} lets it run\\)$`, 'm'));
  // A held job is a proper pending job to check, and stat counts it apart.
  assert.equal((await run('zkjobq', ['check', ...conn(root)])).code, 0);
  const stat = JSON.parse(await ok('zkjobq', ['stat', ...conn(root), 'default', '--json']));
  assert.deepEqual([stat.pending, stat.held], [2, 1]);

  await ok('zkjobq', ['resume', ...conn(root), 'default']);
  // One slot, FIFO: the daemon would have taken the held job before these two had it been claimable.
  for (const id of [second, third]) await waitFor(`${id} to succeed`, async () => (await statusOf(root, id)).state === 'succeeded', 20_000, 100);
  assert.deepEqual([(await statusOf(root, held)).state, (await statusOf(root, held)).held], ['pending', true]);
  const listed = (await ok('zkjobq', ['list', ...conn(root), 'default', '--parsable', '--format', 'JOB,STATE,REASON'])).trim().split('\n');
  assert.ok(listed.includes(`${held}|pending|held (zkjobq release ${held} lets it run)`), listed.join('\n'));
  assert.deepEqual((await ok('zkjobq', ['list', ...conn(root), 'default', '--state', 'held', '--parsable', '--format', 'JOB'])).trim().split('\n'), [held]);

  // Released with a later job waiting: the held one keeps its place by number and starts first.
  await ok('zkjobq', ['pause', ...conn(root), 'default']);
  assert.equal(await ok('zkjobq', ['release', ...conn(root), held]), `${held} released\n`);
  assert.equal(await ok('zkjobq', ['release', ...conn(root), held]), `${held} not held; nothing to release\n`);
  const later = await submit(root, '--', 'true');
  await ok('zkjobq', ['resume', ...conn(root), 'default']);
  for (const id of [held, later]) await waitFor(`${id} to succeed`, async () => (await statusOf(root, id)).state === 'succeeded', 20_000, 100);
  const [heldStart, laterStart] = [Date.parse((await statusOf(root, held)).result!.startedAt!), Date.parse((await statusOf(root, later)).result!.startedAt!)];
  assert.ok(heldStart <= laterStart, `${held} started ${heldStart}, before ${later} at ${laterStart}`);
});

test('a job released while a busy daemon works through its listing of later jobs starts next, not after them', async () => {
  const root = freshRoot();
  fixture.daemons.push(await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'busy-fifo', slots: 1 }));
  await ok('zkjobq', ['pause', ...conn(root), 'default']);
  const held = await submit(root, '--', 'true');
  await ok('zkjobq', ['hold', ...conn(root), held]);
  const later: string[] = [];
  for (let i = 0; i < 8; i++) later.push(await submit(root, '--', 'sleep', '2'));
  await ok('zkjobq', ['resume', ...conn(root), 'default']);
  // The daemon has listed the head of the queue (the later jobs: the held one is in no bucket it lists) and runs the first.
  await waitFor('the first later job to start', async () => (await statusOf(root, later[0])).state !== 'pending', 20_000, 50);
  await ok('zkjobq', ['release', ...conn(root), held]);
  await waitFor(`${held} to succeed`, async () => (await statusOf(root, held)).state === 'succeeded', 60_000, 100);
  const started = async (id: string) => Date.parse((await statusOf(root, id)).result?.startedAt ?? '') || Infinity;
  const heldAt = await started(held);
  // It keeps its place by number: it goes before every later job not yet started when it was released.
  assert.ok(heldAt < (await started(later[5])), `${held} started at ${new Date(heldAt).toISOString()}, after ${later[5]}`);
  for (const id of later) await waitFor(`${id} to succeed`, async () => (await statusOf(root, id)).state === 'succeeded', 60_000, 100);
});

test('holds and releases racing two daemons for 8 s: every job runs exactly once, none is lost', async (t) => {
  const root = freshRoot();
  const zkString = fixture.zk().connectString;
  for (const nodeId of ['race-1', 'race-2']) fixture.daemons.push(await startDaemon({ zk: zkString, root, nodeId, slots: 2 }));
  await ok('zkjobq', ['pause', ...conn(root), 'default']);
  const record = recordFile('hold-race');
  const ids = await submitRecorded(zkString, root, record, 60, '0.5');
  await ok('zkjobq', ['resume', ...conn(root), 'default']);
  const outcomes = new Map<string, number>();
  const count = (what: string) => outcomes.set(what, (outcomes.get(what) ?? 0) + 1);
  await withZk(async (zk) => {
    const paths = new Paths(root);
    const until = Date.now() + 8_000;
    // Four movers at once, each holding or releasing a job picked at random while the daemons claim them.
    await Promise.all([0, 1, 2, 3].map(async () => {
      while (Date.now() < until) {
        const id = parseJobId(ids[Math.floor(Math.random() * ids.length)]);
        try {
          count(await (Math.random() < 0.6 ? holdJob : releaseJob)(zk, paths, id));
        } catch (err) {
          if (!(err instanceof ZkjobsError)) throw err;
          count(/running|retry/.test(err.message) ? 'refused: running' : /already/.test(err.message) ? 'refused: ended' : /busy|being changed/.test(err.message) ? 'refused: busy' : err.message);
        }
      }
    }));
    // Whatever is still held goes back, and every job must then run.
    for (const id of ids) {
      for (;;) {
        try {
          await releaseJob(zk, paths, parseJobId(id));
          break;
        } catch (err) {
          if (!(err instanceof ZkjobsError) || !/busy|being changed/.test(err.message)) break;
        }
      }
    }
  });
  const jobs = await waitAllFinished(zkString, root, ids.length, 120_000);
  assert.deepEqual(jobs.filter((j) => j.state !== 'succeeded').map((j) => `${j.id} ${j.state}`), []);
  const starts = startsPerJob(readRunEvents(record));
  assert.deepEqual(ids.filter((id) => starts.get(id) !== 1).map((id) => `${id} ran ${starts.get(id) ?? 0} times`), []);
  const said = [...outcomes.entries()].map(([k, v]) => `${k}: ${v}`).join(', ');
  t.diagnostic(said);
  // The race was real: jobs were held while others ran, and holds met running jobs.
  assert.ok((outcomes.get('held') ?? 0) > 0 && (outcomes.get('released') ?? 0) > 0, said);
  assert.deepEqual([...outcomes.keys()].filter((k) => !['held', 'already held', 'released', 'not held', 'refused: running', 'refused: ended', 'refused: busy'].includes(k)), [], said);
});

test('a running job, a finished one and a missing one cannot be held, and say why', async () => {
  const root = freshRoot();
  fixture.daemons.push(await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'busy', slots: 1 }));
  const running = await submit(root, '--', 'sleep', '60');
  await waitFor('the job to run', async () => (await statusOf(root, running)).state === 'running', 20_000, 100);
  const refused = await run('zkjobq', ['hold', ...conn(root), running]);
  assert.equal(refused.code, 1);
  assert.equal(refused.stderr, `zkjobq: job ${running} is running on busy; only a pending job can be held (zkjobc cancel stops it)\n`);
  assert.equal((await statusOf(root, running)).state, 'running');
  await ok('zkjobc', ['cancel', ...conn(root), running]);
  await waitFor('the job to be cancelled', async () => (await statusOf(root, running)).state === 'cancelled', 20_000, 100);
  const finished = await run('zkjobq', ['release', ...conn(root), running]);
  assert.deepEqual([finished.code, finished.stderr], [1, `zkjobq: job ${running} already cancelled; only a pending job can be released\n`]);
  const missing = await run('zkjobq', ['hold', ...conn(root), 'default/424242']);
  assert.deepEqual([missing.code, missing.stderr], [1, 'zkjobq: no such job default/0000424242\n']);
  const bad = await run('zkjobq', ['hold', ...conn(root), 'default']);
  assert.equal(bad.code, 65);
});

test('a held job keeps its attempt count and bytes, and can be cancelled', async () => {
  const root = freshRoot();
  await ok('zkjobq', ['create', ...conn(root), 'parked']);
  const id = await submit(root, '-q', 'parked', '--require', 'gpu', '--', 'echo', 'kept');
  const { queue, seq } = parseJobId(id);
  const paths = new Paths(root);
  // Two attempts lost to crashed nodes: the spec's data version counts them.
  const before = await withZk(async (zk) => {
    const path = paths.pendingIn(queue, '0000000000~tgpu', seq);
    const node = (await zk.getOrNull(path))!;
    await zk.set(path, node.data);
    await zk.set(path, node.data);
    return copiesOf(zk, root, id);
  });
  assert.deepEqual(before.map((c) => [c.bucket, c.version]), [['0000000000~tgpu', 2]]);
  await ok('zkjobq', ['hold', ...conn(root), id]);
  const held = await withZk((zk) => copiesOf(zk, root, id));
  assert.deepEqual(held.map((c) => [c.bucket, c.version]), [['0000000000~h~tgpu', 2]]);
  assert.equal(held[0].data, before[0].data);
  assert.equal((await statusOf(root, id)).attempt, 2);
  await ok('zkjobq', ['release', ...conn(root), id]);
  const back = await withZk((zk) => copiesOf(zk, root, id));
  assert.deepEqual(back.map((c) => [c.bucket, c.version, c.data === before[0].data]), [['0000000000~tgpu', 2, true]]);

  await ok('zkjobq', ['hold', ...conn(root), id]);
  assert.equal(await ok('zkjobc', ['cancel', ...conn(root), id]), `${id} cancelled\n`);
  assert.equal((await statusOf(root, id)).state, 'cancelled');
  assert.deepEqual(await withZk((zk) => copiesOf(zk, root, id)), []);
});

test('the status page counts a held job apart and leaves it out of the head of the queue', async () => {
  const root = freshRoot();
  await ok('zkjobq', ['create', ...conn(root), 'parked']);
  const [held, next] = [await submit(root, '-q', 'parked', '--', 'true'), await submit(root, '-q', 'parked', '--', 'true')];
  await ok('zkjobq', ['hold', ...conn(root), held]);
  const serve = new ServeProcess(conn(root));
  try {
    const snapshot = await getJson<ClusterSnapshot>(`${await serve.url()}api/cluster`);
    const q = snapshot.queues.find((x) => x.queue === 'parked')!;
    assert.deepEqual([q.pending, q.held, q.head.map((j) => j.id)], [1, 1, [next]]);
  } finally {
    await serve.stop();
  }
});

test('a move cut short (the job in both buckets) is finished by running hold or release again', async () => {
  const root = freshRoot();
  await ok('zkjobq', ['create', ...conn(root), 'parked']);
  const paths = new Paths(root);
  const plant = (id: string, bucket: string, data: string) => withZk(async (zk) => {
    const { queue, seq } = parseJobId(id);
    await zk.createIfAbsent(paths.pendingBucket(queue, bucket), '', 'container');
    await zk.create(paths.pendingIn(queue, bucket, seq), data);
  });

  // A hold cut short after its copy: the runnable copy had an attempt since, so the held copy is stale.
  const a = await submit(root, '-q', 'parked', '--', 'echo', 'a');
  const { seq: seqA } = parseJobId(a);
  const fresh = await withZk(async (zk) => {
    const node = (await zk.getOrNull(paths.pendingJob('parked', seqA)))!;
    await plant(a, '0000000000~h', node.data.toString().replace('"echo"', '"echo" ')); // stale, different bytes
    await zk.set(paths.pendingJob('parked', seqA), node.data);
    return node.data.toString();
  });
  assert.deepEqual((await withZk((zk) => copiesOf(zk, root, a))).map((c) => c.bucket), ['0000000000', '0000000000~h']);
  // While both exist, the job shows as the runnable copy says: pending, not held; check reports it and repairs nothing.
  assert.equal((await statusOf(root, a)).held, false);
  const found = await run('zkjobq', ['check', ...conn(root), 'parked', '--json']);
  assert.equal(found.code, 1, found.stderr);
  assert.deepEqual(JSON.parse(found.stdout).findings.map((f: { kind: string; job: string }) => [f.kind, f.job]), [['spec-duplicate', a]]);
  assert.equal((await run('zkjobq', ['check', ...conn(root), 'parked', '--repair'])).code, 1);
  assert.equal((await withZk((zk) => copiesOf(zk, root, a))).length, 2);
  assert.equal(await ok('zkjobq', ['hold', ...conn(root), a]), `${a} held (zkjobq release ${a} lets it run)\n`);
  assert.deepEqual((await withZk((zk) => copiesOf(zk, root, a))).map((c) => [c.bucket, c.version, c.data === fresh]), [['0000000000~h', 1, true]]);
  assert.equal((await run('zkjobq', ['check', ...conn(root), 'parked'])).code, 0);

  // A release cut short after its copy: the runnable copy is kept, the held one goes.
  const b = await submit(root, '-q', 'parked', '--', 'echo', 'b');
  await ok('zkjobq', ['hold', ...conn(root), b]);
  const heldB = (await withZk((zk) => copiesOf(zk, root, b)))[0];
  await plant(b, '0000000000', heldB.data);
  assert.equal(await ok('zkjobq', ['release', ...conn(root), b]), `${b} released\n`);
  assert.deepEqual((await withZk((zk) => copiesOf(zk, root, b))).map((c) => c.bucket), ['0000000000']);
  assert.equal((await statusOf(root, b)).held, false);

  // Two copies that are no hold's twins are not ours to pick from: refused, nothing changed.
  const c = await submit(root, '-q', 'parked', '--', 'echo', 'c');
  await plant(c, '0000000000~tgpu', '{"argv":["echo","c"],"submittedAt":"2026-01-01T00:00:00Z"}');
  const refused = await run('zkjobq', ['hold', ...conn(root), c]);
  assert.equal(refused.code, 65);
  assert.match(refused.stderr, /is in several pending buckets \(0000000000, 0000000000~tgpu\); nothing changed/);
  assert.deepEqual((await withZk((zk) => copiesOf(zk, root, c))).map((x) => x.bucket), ['0000000000', '0000000000~tgpu']);
});

test('on a restricted queue only the admin identity may hold; a submitter is refused with nothing changed', async () => {
  const root = freshRoot();
  const as = (who: string) => ({ env: { ZKJOBS_ZK_AUTH: `${who}:pw-${who}` } });
  const idOf = (who: string) => digestId(`${who}:pw-${who}`);
  await ok('zkjobq', ['create', ...conn(root), 'secure', '--submitters', idOf('alice'), '--admins', idOf('root'), '--daemons', idOf('worker')], as('root'));
  const id = (await ok('zkjobc', ['submit', ...conn(root), '-q', 'secure', '--', 'echo', 'mine'], as('alice'))).trim();
  const refused = await run('zkjobq', ['hold', ...conn(root), id], as('alice'));
  assert.equal(refused.code, 77, refused.stderr);
  assert.equal(refused.stderr, 'zkjobq: not authorized to hold jobs of queue secure: this identity lacks its admin right (zkjobq create --admins; identity from --zk-auth-file or ZKJOBS_ZK_AUTH); nothing changed\n');
  assert.deepEqual((await withZk((zk) => copiesOf(zk, root, id))).map((c) => c.bucket), ['0000000000']);
  await ok('zkjobq', ['hold', ...conn(root), id], as('root'));
  assert.equal((await statusOf(root, id)).held, true);
  assert.equal((await run('zkjobq', ['release', ...conn(root), id], as('alice'))).code, 77);
  assert.equal((await statusOf(root, id)).held, true);
  assert.equal(await ok('zkjobq', ['release', ...conn(root), id], as('root')), `${id} released\n`);
  assert.equal((await statusOf(root, id)).held, false);
});

test('zkjobc cancel --queue Q --state held cancels the held jobs only; --state pending takes held ones too', async () => {
  const root = freshRoot();
  await ok('zkjobq', ['create', ...conn(root), 'parked']);
  // No daemon: every job stays pending.
  const [a, b, c, d] = [await submit(root, '-q', 'parked', '--', 'true'), await submit(root, '-q', 'parked', '--', 'true'), await submit(root, '-q', 'parked', '--', 'true'), await submit(root, '-q', 'parked', '--', 'true')];
  for (const id of [b, d]) await ok('zkjobq', ['hold', ...conn(root), id]);
  assert.equal(await ok('zkjobc', ['cancel', ...conn(root), '--queue', 'parked', '--state', 'held']), `${b} cancelled\n${d} cancelled\n`);
  assert.deepEqual([(await statusOf(root, a)).state, (await statusOf(root, c)).state], ['pending', 'pending']);
  await ok('zkjobq', ['hold', ...conn(root), c]);
  const none = await run('zkjobc', ['cancel', ...conn(root), '--queue', 'parked', '--state', 'held', '--name', 'nothing']);
  assert.equal(none.code, 0, none.stderr);
  assert.match(none.stderr, /^zkjobc: no held job named 'nothing' in queue parked$/m);
  assert.equal(await ok('zkjobc', ['cancel', ...conn(root), '--queue', 'parked', '--state', 'pending']), `${a} cancelled\n${c} cancelled\n`);
});
