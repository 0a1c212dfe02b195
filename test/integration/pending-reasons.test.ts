// Every pending job says why it waits (Slurm's REASON), in zkjobq list,
// zkjobc status and zkjobq show: a paused queue, a queue no live daemon
// serves, a queue at its cluster-wide limit, no free slot, and a failed
// attempt waiting for its retry.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStandalone, waitFor, type ZkCluster } from '../helpers/zk-server.js';
import { freshRoot, ok, runningOnNode, startDaemon, type DaemonProcess } from '../helpers/cli.js';

let zk: ZkCluster;
const daemons: DaemonProcess[] = [];
const root = freshRoot();
const conn = () => ['--zk', zk.connectString, '--root', root];
const submit = async (queue: string, ...argv: string[]) => (await ok('zkjobc', ['submit', ...conn(), '-q', queue, ...argv])).trim();
const status = async (id: string) => JSON.parse(await ok('zkjobc', ['status', ...conn(), '--json', id]));
const listed = async (queue: string) => (await ok('zkjobq', ['list', ...conn(), queue, '--format', 'JOB,STATE,REASON', '--parsable'])).trim().split('\n');

before(async () => {
  zk = await startStandalone();
  daemons.push(await startDaemon({ zk: zk.connectString, root, nodeId: 'one-slot', slots: 1, queues: ['busy'] }));
  daemons.push(await startDaemon({ zk: zk.connectString, root, nodeId: 'two-slots', slots: 2, queues: ['limited', 'retrying'] }));
});
after(async () => {
  for (const d of daemons) await d.stop();
  await zk?.stop();
});

test('a job waiting for a free slot says so in list, status and show', async () => {
  const running = await submit('busy', '--', 'sleep', '60');
  await waitFor('the first job to run', async () => (await status(running)).state === 'running', 20_000);
  // Free slots are counted from the node's record, written just after the job starts: wait for it, not only the claim.
  await waitFor('the node record to list the running job', async () => (await runningOnNode(conn(), 'one-slot')).length === 1, 20_000);
  // The busy node claims one job ahead of need (docs/speed.md): that one says so; the next waits for a slot.
  const ahead = await submit('busy', '--', 'true');
  await waitFor('the next job to be claimed ahead', async () => (await status(ahead)).reason === 'claimed ahead by one-slot; starts when a slot frees there', 20_000);
  assert.ok((await listed('busy')).includes(`${ahead}|pending|claimed ahead by one-slot; starts when a slot frees there`));
  const waiting = await submit('busy', '--', 'true');
  const s = await status(waiting);
  assert.equal(s.state, 'pending');
  assert.equal(s.reason, 'waiting for a free slot');
  assert.ok((await listed('busy')).includes(`${waiting}|pending|waiting for a free slot`));
  assert.match(await ok('zkjobc', ['status', ...conn(), waiting]), new RegExp(`^${waiting} pending \\(waiting for a free slot\\)\\n$`));
  assert.match(await ok('zkjobq', ['show', ...conn(), waiting]), /^Reason: +waiting for a free slot$/m);
  // The waiting jobs first: cancelling the running one frees the slot, and a waiting one would start.
  await ok('zkjobc', ['cancel', ...conn(), waiting, ahead, running]);
});

test('a paused queue and a queue nobody serves are named as the reason', async () => {
  await ok('zkjobq', ['create', ...conn(), 'nobody', 'stopped']);
  const orphan = await submit('nobody', '--', 'true');
  assert.equal((await status(orphan)).reason, 'no live node serves queue nobody (start a zkjobd with --queue nobody)');
  await ok('zkjobq', ['pause', ...conn(), 'stopped']);
  const paused = await submit('stopped', '--', 'true');
  assert.equal((await status(paused)).reason, 'queue paused (zkjobq resume stopped)');
  assert.ok((await listed('stopped')).includes(`${paused}|pending|queue paused (zkjobq resume stopped)`));
});

test('a queue at its cluster-wide limit says so', async () => {
  await ok('zkjobq', ['create', ...conn(), 'limited', '--max-running', '1']);
  const first = await submit('limited', '--', 'sleep', '60');
  await waitFor('the first limited job to run', async () => (await status(first)).state === 'running', 20_000);
  const second = await submit('limited', '--', 'true');
  assert.equal((await status(second)).reason, 'queue limit reached (1 of max 1 running)');
  assert.ok((await listed('limited')).includes(`${second}|pending|queue limit reached (1 of max 1 running)`));
  await ok('zkjobc', ['cancel', ...conn(), second, first]);
});

test('a failed attempt waiting for its retry is pending until a stated time, not running', async () => {
  const id = await submit('retrying', '--retries', '1', '--retry-delay', '60s', '--', 'sh', '-c', 'exit 3');
  const s = await waitFor('the retry back-off to show', async () => {
    const now = await status(id);
    return now.state === 'pending' && /back-off/.test(now.reason ?? '') ? now : null;
  }, 20_000);
  assert.match(s.reason, /^attempt 1 exit 3; retry back-off until \d\d:\d\d:\d\d on two-slots$/);
  // The time said is about a minute away, in local time.
  const [h, m, sec] = s.reason.match(/(\d\d):(\d\d):(\d\d)/).slice(1).map(Number);
  const until = new Date();
  until.setHours(h, m, sec, 0);
  const away = (until.getTime() - Date.now() + 86_400_000) % 86_400_000;
  assert.ok(away > 30_000 && away <= 61_000, `retry about a minute away, got ${away} ms`);
  assert.ok((await listed('retrying')).some((l) => l.startsWith(`${id}|pending|attempt 1 exit 3; retry back-off until `)));
  await ok('zkjobc', ['cancel', ...conn(), id]);
  assert.equal((await status(id)).state, 'cancelled');
});
