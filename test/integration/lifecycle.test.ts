// Bulk and life-cycle commands, and what --wait and wait say: cancel by
// queue, name and state (like scancel -n); requeue of a succeeded job;
// one line on stderr when submit --wait ends badly; wait on several jobs
// prints a line per job as each ends.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStandalone, type ZkCluster } from '../helpers/zk-server.js';
import { freshRoot, ok, run, startDaemon, type DaemonProcess } from '../helpers/cli.js';

let zk: ZkCluster;
let daemon: DaemonProcess;
const root = freshRoot();
const conn = () => ['--zk', zk.connectString, '--root', root];
const submit = async (queue: string, ...argv: string[]) => (await ok('zkjobc', ['submit', ...conn(), '-q', queue, ...argv])).trim();
const stateOf = async (id: string) => JSON.parse(await ok('zkjobc', ['status', ...conn(), '--json', id])).state as string;

before(async () => {
  zk = await startStandalone();
  daemon = await startDaemon({ zk: zk.connectString, root, nodeId: 'life', slots: 2, queues: ['life'] });
});
after(async () => {
  await daemon?.stop();
  await zk?.stop();
});

test('cancel --queue --name --state pending cancels exactly the matching jobs', async () => {
  await ok('zkjobq', ['create', ...conn(), 'bulk']);
  await ok('zkjobq', ['pause', ...conn(), 'bulk']);
  const nightly = [await submit('bulk', '--name', 'nightly', '--', 'true'), await submit('bulk', '--name', 'nightly', '--', 'true')];
  const other = await submit('bulk', '--name', 'other', '--', 'true');
  const r = await run('zkjobc', ['cancel', ...conn(), '--queue', 'bulk', '--name', 'nightly', '--state', 'pending']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), nightly.map((id) => `${id} cancelled`));
  for (const id of nightly) assert.equal(await stateOf(id), 'cancelled');
  assert.equal(await stateOf(other), 'pending', 'a job of another name is left alone');
  const none = await run('zkjobc', ['cancel', ...conn(), '--queue', 'bulk', '--name', 'nightly']);
  assert.deepEqual([none.code, none.stdout, none.stderr], [0, '', "zkjobc: no unfinished job named 'nightly' in queue bulk\n"]);
  const both = await run('zkjobc', ['cancel', ...conn(), '--queue', 'bulk', other]);
  assert.equal(both.code, 64);
  const loose = await run('zkjobc', ['cancel', ...conn(), '--name', 'nightly']);
  assert.equal(loose.code, 64);
  assert.equal(await stateOf(other), 'pending', 'bad usage changes nothing');
});

test('a succeeded job can be requeued under a new id', async () => {
  const done = (await run('zkjobc', ['submit', ...conn(), '-q', 'life', '--wait', '--', 'true'])).stdout.trim();
  const again = (await ok('zkjobq', ['requeue', ...conn(), done])).trim();
  assert.notEqual(again, done);
  assert.equal((await run('zkjobc', ['wait', ...conn(), again])).code, 0);
  assert.equal(await stateOf(done), 'succeeded', 'the old result is kept');
  // Its history starts with the job it requeues: which, where it ran, and who requeued it.
  const shown = JSON.parse(await ok('zkjobq', ['show', ...conn(), '--json', again]));
  assert.equal(shown.history[0].attempt, 0);
  assert.equal(shown.history[0].ended, 'succeeded');
  assert.match(shown.history[0].rerun, new RegExp(`^requeue of ${done} by \\S+@\\S+$`));
  assert.equal(shown.history.length, 2, 'then its own one attempt');
  assert.match(await ok('zkjobq', ['show', ...conn(), again]), new RegExp(`#0 .*succeeded +re-run: requeue of ${done}`));
});

test('submit --wait says on stderr how a failed job ended', async () => {
  const r = await run('zkjobc', ['submit', ...conn(), '-q', 'life', '--wait', '--', 'sh', '-c', 'exit 7']);
  assert.equal(r.code, 7);
  assert.equal(r.stderr, `zkjobc: ${r.stdout.trim()} failed exit 7 on life\n`);
  const killed = await run('zkjobc', ['submit', ...conn(), '-q', 'life', '--wait', '--timeout', '1s', '--', 'sleep', '30']);
  assert.equal(killed.code, 128 + 15);
  assert.equal(killed.stderr, `zkjobc: ${killed.stdout.trim()} failed timeout on life\n`);
  const fine = await run('zkjobc', ['submit', ...conn(), '-q', 'life', '--wait', '--', 'true']);
  assert.deepEqual([fine.code, fine.stderr], [0, '']);
});

test('wait on several jobs prints a line per job as each ends; --quiet prints none', async () => {
  const slow = await submit('life', '--', 'sleep', '8');
  const fast = await submit('life', '--', 'sh', '-c', 'exit 4');
  const r = await run('zkjobc', ['wait', ...conn(), slow, fast]);
  assert.equal(r.code, 4, 'the first failing exit status in argument order');
  assert.deepEqual(r.stdout.trim().split('\n'), [`${fast} failed exit 4 on life`, `${slow} succeeded on life`], 'in the order they ended');
  const quiet = await run('zkjobc', ['wait', ...conn(), '--quiet', slow, fast]);
  assert.deepEqual([quiet.code, quiet.stdout], [4, '']);
});
