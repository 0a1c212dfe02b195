// zkjobq purge destroys pending jobs only when told to: a pipe answering
// "n" must not purge, the refusal says what would go, and --yes does it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshRoot, ok, run } from '../helpers/cli.js';
import { standaloneFixture } from '../helpers/fixture.js';

const fixture = standaloneFixture();

test('purge with pending jobs and no --yes on a pipe refuses with 64, removes nothing, says what would go', async () => {
  const root = freshRoot();
  const conn = ['--zk', fixture.zk().connectString, '--root', root];
  await ok('zkjobq', ['create', ...conn, 'q']);
  // No daemon serves q: the jobs stay pending; one is cancelled, i.e. finished.
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await ok('zkjobc', ['submit', ...conn, '-q', 'q', '--', 'true'])).trim());
  await ok('zkjobc', ['cancel', ...conn, ids[0]]);
  const jobs = async () => (await ok('zkjobq', ['list', ...conn, 'q', '--parsable', '--format', 'JOB'])).trim().split('\n').filter(Boolean);

  const refused = await run('zkjobq', ['purge', ...conn, 'q'], { input: 'n\n' });
  assert.equal(refused.code, 64, refused.stderr + refused.stdout);
  assert.match(refused.stderr, /^zkjobq: purge would remove 3 jobs: 2 pending, 1 finished from q; pending jobs are removed only with --yes/);
  assert.equal(refused.stdout, '');
  assert.equal((await jobs()).length, 3, 'nothing removed');

  const yes = await run('zkjobq', ['purge', ...conn, 'q'], { input: 'y\n' });
  assert.equal(yes.code, 64, 'a pipe cannot answer yes either');
  assert.equal((await jobs()).length, 3);

  // Finished jobs only: nothing pending is at stake, a script may purge them.
  assert.match(await ok('zkjobq', ['purge', ...conn, 'q', '--state', 'finished']), /^purged 1 jobs from q \(0 pending, 1 finished/);
  assert.match(await ok('zkjobq', ['purge', ...conn, 'q', '--yes']), /^purged 2 jobs from q \(2 pending, 0 finished/);
  assert.deepEqual(await jobs(), []);
});
