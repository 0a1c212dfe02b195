// A queue no live daemon serves (issue 12, bug 5): submit still takes the
// job (exit 0; a daemon may come) but says on stderr that nothing will run
// it yet, and stat shows how many live nodes serve each queue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO, freshRoot, ok, run, startDaemon } from '../helpers/cli.js';
import { standaloneFixture } from '../helpers/fixture.js';

const fixture = standaloneFixture();

test('submit warns when no live daemon serves the queue; stat counts the nodes serving each queue', async () => {
  const root = freshRoot();
  const conn = ['--zk', fixture.zk().connectString, '--root', root];
  await ok('zkjobq', ['create', ...conn, 'lonely']);
  const r = await run('zkjobc', ['submit', ...conn, '-q', 'lonely', '--', 'true']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^lonely\/\d{10}\n$/);
  assert.equal(r.stderr, 'zkjobc: warning: no live zkjobd serves queue lonely; the job waits until one does (zkjobq nodes)\n');
  // As make install runs it (node …/dist/bundle/zkjobc.js): the warning is still zkjobc's, not zkjobc.js's.
  const installedWay = spawnSync(process.execPath, [path.join(REPO, 'dist', 'bundle', 'zkjobc.js'), 'submit', ...conn, '-q', 'lonely', '--', 'true'], { encoding: 'utf8' });
  assert.equal(installedWay.status, 0, installedWay.stderr);
  assert.match(installedWay.stderr, /^zkjobc: warning: no live zkjobd serves queue lonely/);
  const batch = await run('zkjobc', ['submit', ...conn, '-q', 'lonely', '--batch', '-'], { input: '["true"]\n["true"]\n' });
  assert.equal(batch.code, 0, batch.stderr);
  assert.equal(batch.stderr.split('\n').filter(Boolean).length, 1, 'one warning for a whole batch');
  assert.match(JSON.stringify(JSON.parse(await ok('zkjobq', ['stat', ...conn, 'lonely', '--json']))), /"nodes":0,"drainingNodes":0/);
  // Cancelled before it started: it ran on no node, whoever cancelled it (bug 9).
  const cancelled = r.stdout.trim();
  await ok('zkjobc', ['cancel', ...conn, cancelled]);
  const status = JSON.parse(await ok('zkjobc', ['status', ...conn, '--json', cancelled]));
  assert.deepEqual([status.state, status.node], ['cancelled', null]);
  assert.equal((await run('zkjobc', ['wait', ...conn, cancelled])).code, 143, 'wait: a cancelled job is 143, as documented');

  fixture.daemons.push(await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 's1', queues: ['lonely'] }));
  const served = await run('zkjobc', ['submit', ...conn, '-q', 'lonely', '--wait', '--', 'true']);
  assert.equal(served.code, 0, served.stderr);
  assert.equal(served.stderr, '', 'no warning once a daemon serves it');
  await ok('zkjobq', ['create', ...conn, 'other']);
  const table = await ok('zkjobq', ['stat', ...conn]);
  assert.match(table, /^QUEUE\s+STATE\s+NODES\s/);
  assert.match(table, /\nlonely\s+active\s+1\s/);
  assert.match(table, /\nother\s+active\s+0\s/);
});

test('--help of purge, stat, show and nodes says what --json does', async () => {
  for (const command of ['purge', 'stat', 'show', 'nodes']) {
    const help = await ok('zkjobq', [command, '--help']);
    assert.match(help, /--json\s+\S.*\[boolean\]/, `${command} --help describes --json:\n${help}`);
  }
});
