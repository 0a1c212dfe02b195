// zkjobq delete against live daemons: a served queue goes whole (the
// daemons stop serving it and say so), --force cancels running jobs first
// and their processes die, a half-deleted queue can be deleted again, and
// pending jobs go only with --yes or a yes on a terminal, as with purge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshRoot, ok, run, startDaemon } from '../helpers/cli.js';
import { standaloneFixture } from '../helpers/fixture.js';
import { waitFor } from '../helpers/zk-server.js';
import { connectTo } from '../helpers/zk.js';
import { processesOfJob } from '../helpers/processes.js';

const fixture = standaloneFixture();

async function queueNodes(root: string): Promise<string[]> {
  const { zk, paths } = await connectTo(fixture.zk().connectString, root);
  try {
    return await zk.childrenOrEmpty(paths.queues());
  } finally {
    zk.close();
  }
}

test('delete of a queue two live daemons serve removes it whole, every time; they stop serving it and say so', async () => {
  const root = freshRoot();
  const conn = ['--zk', fixture.zk().connectString, '--root', root];
  const daemons = await Promise.all(['d1', 'd2'].map((nodeId) => startDaemon({ zk: fixture.zk().connectString, root, nodeId, queues: ['default', 'fresh'] })));
  fixture.daemons.push(...daemons);
  for (let round = 0; round < 4; round++) {
    await ok('zkjobq', ['create', ...conn, 'fresh']);
    await ok('zkjobc', ['submit', ...conn, '-q', 'fresh', '--wait', '--', 'true']);
    const r = await run('zkjobq', ['delete', ...conn, 'fresh']);
    assert.equal(r.code, 0, `round ${round}: ${r.stderr}`);
    assert.match(r.stdout, /^fresh: deleted with 1 jobs\n$/);
    assert.deepEqual((await queueNodes(root)).filter((q) => q === 'fresh'), [], `round ${round}: nothing of the queue is left`);
    const stat = await ok('zkjobq', ['stat', ...conn]);
    assert.doesNotMatch(stat, /^fresh\s/m, 'stat no longer shows it');
  }
  for (const d of daemons) await d.waitForLog(/queue fresh was deleted; not serving it until it is created again/);
  // Created again, it is served again.
  await ok('zkjobq', ['create', ...conn, 'fresh']);
  const r = await run('zkjobc', ['submit', ...conn, '-q', 'fresh', '--wait', '--', 'true'], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  await waitFor('a daemon to say it serves fresh again', () => daemons.some((d) => /queue fresh exists again; serving it/.test(d.log)), 20_000);
});

test('delete refuses while jobs run; --force cancels them, their processes die, the daemon goes on', async () => {
  const root = freshRoot();
  const conn = ['--zk', fixture.zk().connectString, '--root', root];
  const daemon = await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'f1', queues: ['default', 'doomed'] });
  fixture.daemons.push(daemon);
  const id = (await ok('zkjobc', ['submit', ...conn, '-q', 'doomed', '--', 'sleep', '300'])).trim();
  await waitFor('the job to run', async () => processesOfJob(id, daemon.pid).length > 0, 20_000);

  const refused = await run('zkjobq', ['delete', ...conn, 'doomed']);
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /^zkjobq: queue doomed has 1 running jobs; cancel them or use --force\n$/);
  assert.ok(processesOfJob(id, daemon.pid).length > 0, 'a refused delete touches nothing');

  const forced = await run('zkjobq', ['delete', ...conn, 'doomed', '--force']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stdout, /^doomed: deleted with 1 jobs \(1 running cancelled\)\n$/);
  assert.deepEqual(processesOfJob(id, daemon.pid), [], 'the job\'s processes are dead');
  assert.ok(!(await queueNodes(root)).includes('doomed'));
  await daemon.waitForLog(/queue doomed was deleted/);
  assert.ok(daemon.alive);
  assert.equal((await run('zkjobc', ['submit', ...conn, '--wait', '--', 'true'])).code, 0, 'the daemon still serves its other queue');
});

test('a half-deleted queue (counter gone, children left) can be deleted again', async () => {
  const root = freshRoot();
  const conn = ['--zk', fixture.zk().connectString, '--root', root];
  await ok('zkjobq', ['create', ...conn, 'half']);
  await ok('zkjobc', ['submit', ...conn, '-q', 'half', '--', 'true']);
  const { zk, paths } = await connectTo(fixture.zk().connectString, root);
  try {
    // What a delete that crashed after its first step leaves.
    await zk.delete(paths.counter('half'));
  } finally {
    zk.close();
  }
  const r = await run('zkjobq', ['delete', ...conn, 'half', '--yes']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^half: deleted with 1 jobs\n$/);
  assert.ok(!(await queueNodes(root)).includes('half'));
  const again = await run('zkjobq', ['delete', ...conn, 'half']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /no such queue 'half'/);
});

test('delete with pending jobs asks as purge does: a pipe without --yes is refused with 64 and nothing goes', async () => {
  const root = freshRoot();
  const conn = ['--zk', fixture.zk().connectString, '--root', root];
  await ok('zkjobq', ['create', ...conn, 'keep']);
  for (let i = 0; i < 2; i++) await ok('zkjobc', ['submit', ...conn, '-q', 'keep', '--', 'true']);
  const refused = await run('zkjobq', ['delete', ...conn, 'keep'], { input: 'y\n' });
  assert.equal(refused.code, 64, refused.stderr);
  assert.match(refused.stderr, /^zkjobq: delete would remove queue keep with 2 jobs: 2 pending, 0 finished; pending jobs are removed only with --yes or a yes on a terminal\n/);
  assert.equal(refused.stdout, '');
  assert.ok((await queueNodes(root)).includes('keep'));
  assert.match(await ok('zkjobc', ['submit', ...conn, '-q', 'keep', '--', 'true']), /^keep\/\d{10}\n$/, 'the queue still takes jobs');
  assert.match(await ok('zkjobq', ['delete', ...conn, 'keep', '--yes']), /^keep: deleted with 3 jobs\n$/);
});
