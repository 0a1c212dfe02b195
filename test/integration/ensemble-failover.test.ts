// A three-member ensemble under load: kill the leader, then a follower, and
// restart them. No job lost, none run again unless a daemon lost its claim
// (the jobs' own records say how often each ran), daemons never exit.
// "One result per job" alone would prove nothing: the result znode's
// create-if-absent guarantees it even for a daemon that runs jobs twice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEnsemble, waitFor, type ZkCluster } from '../helpers/zk-server.js';
import { freshRoot, startDaemon, type DaemonProcess } from '../helpers/cli.js';
import { readRunEvents, startsPerJob, unexplainedReruns } from '../helpers/run-records.js';
import { recordFile, submitRecorded, waitAllFinished } from '../helpers/jobs.js';

let zk: ZkCluster;
const daemons: DaemonProcess[] = [];

before(async () => {
  zk = await startEnsemble(3);
});
after(async () => {
  await Promise.all(daemons.map((d) => d.stop()));
  await zk?.stop();
});

async function jobsStarted(record: string): Promise<number> {
  return readRunEvents(record).filter((e) => e.kind === 'start').length;
}

test('leader and follower loss under load: every job runs to one result, again only after a lost claim', async () => {
  const root = freshRoot();
  const record = recordFile('failover');
  for (const nodeId of ['a', 'b', 'c']) daemons.push(await startDaemon({ zk: zk.connectString, root, nodeId, slots: 3 }));
  const ids = await submitRecorded(zk.connectString, root, record, 300, '0.05');

  await waitFor('50 jobs started', async () => (await jobsStarted(record)) >= 50, 60_000, 100);
  const leader = (await zk.leader())!;
  await leader.kill();
  await waitFor('a new leader', () => zk.leader(), 30_000, 100);
  const mark = await jobsStarted(record);
  await waitFor('jobs to flow again', async () => (await jobsStarted(record)) >= mark + 30, 60_000, 100);
  await leader.start();
  const follower = zk.members.find((m) => m !== leader && m.id !== leader.id)!;
  await waitFor('the old leader to rejoin', () => leader.mode(), 30_000, 100);
  const follower2 = (await Promise.all(zk.members.map(async (m) => ((await m.mode()) === 'follower' ? m : null)))).find(Boolean) ?? follower;
  await follower2.kill();
  await follower2.start();

  const results = await waitAllFinished(zk.connectString, root, ids.length, 120_000);
  assert.deepEqual(results.map((r) => r.id), ids);
  const unsucceeded = results.filter((r) => r.state !== 'succeeded').map((r) => `${r.id}: ${r.state} ${JSON.stringify({ ...r.result, spec: undefined })}`);
  assert.deepEqual(unsucceeded, [], 'every job succeeded');
  const starts = startsPerJob(readRunEvents(record));
  assert.deepEqual(ids.filter((id) => !starts.has(id)), [], 'every job ran');
  for (const d of daemons) assert.ok(d.alive, `${d.options.nodeId} still runs: ${d.child.exitCode ?? d.child.signalCode}`);
  assert.deepEqual(unexplainedReruns(readRunEvents(record), daemons.map((d) => d.log)), [], 'a job ran again only after a daemon logged losing its claim');
});
