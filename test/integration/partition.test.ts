// Fencing in a real network partition (docs/fencing.md). One daemon runs in
// its own network namespace, joined to ZooKeeper by a veth pair; its peer runs
// beside ZooKeeper. While the first one runs a job that ignores TERM, every
// packet on the link is dropped. The cut-off daemon's session expires and the
// peer runs the job again: the first run must be dead before the second one
// starts, from the jobs' own marks. Once the link heals, the cut-off daemon
// must come back by itself and claim work again.
import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { FIXTURES, freshRoot, ok, run, startDaemon, type DaemonProcess } from '../helpers/cli.js';
import { recordFile, waitAllFinished } from '../helpers/jobs.js';
import { canPartition, createPartitionLink, type PartitionLink } from '../helpers/netns.js';
import { readMarks, type Mark } from '../helpers/run-records.js';
import { startStandalone, waitFor, type ZkCluster } from '../helpers/zk-server.js';

/** zkjobd's own defaults, not the test helper's short ones: the numbers the issue measured. */
const DEFAULT_TIMINGS = ['--session-timeout', '10s', '--kill-grace', '5s'];

let link: PartitionLink | undefined;
let zk: ZkCluster | undefined;
const daemons: DaemonProcess[] = [];

after(async () => {
  await link?.heal();
  await Promise.all(daemons.map((d) => stopWithin(d, 15_000)));
  link?.remove();
  await zk?.stop();
});

/** SIGTERM, and SIGKILL if it has not exited in time: cleanup must not hang. */
async function stopWithin(daemon: DaemonProcess, ms: number): Promise<void> {
  const timer = setTimeout(() => daemon.signal('SIGKILL'), ms);
  await daemon.stop();
  clearTimeout(timer);
}

const seconds = (ns: bigint) => (Number(ns) / 1e9).toFixed(2);

test('a partitioned daemon kills its TERM-ignoring job before the peer re-runs it, and comes back when the link heals', {
  skip: canPartition() ? false : 'needs root, ip and tc (network namespaces)',
  timeout: 120_000,
}, async (t) => {
  try {
    await partitionAndHeal(t);
  } catch (err) {
    for (const d of daemons) t.diagnostic(`${d.options.nodeId}'s log:\n${d.log}`);
    throw err;
  }
});

async function partitionAndHeal(t: TestContext): Promise<void> {
  link = await createPartitionLink();
  zk = await startStandalone({ host: link.hostAddress });
  const connect = zk.connectString;
  const root = freshRoot();
  const record = recordFile('partition');

  const cut = await startDaemon({ zk: connect, root, nodeId: 'cut', slots: 1, queues: ['default', 'after'], prefix: link.prefix, args: DEFAULT_TIMINGS });
  daemons.push(cut);
  // Two minutes on the cut-off node (it must be killed there), one second on the peer.
  const argv = [path.join(FIXTURES, 'stubborn-run.sh'), record, '1', 'cut', '120'];
  const id = (await ok('zkjobc', ['submit', '--zk', connect, '--root', root, '--', ...argv])).trim();
  await waitFor('the job to start on cut', () => readMarks(record).some((m) => m.kind === 'start' && m.node === 'cut'), 20_000);
  const peer = await startDaemon({ zk: connect, root, nodeId: 'peer', slots: 1, args: DEFAULT_TIMINGS });
  daemons.push(peer);

  const cutAt = BigInt(Date.now()) * 1_000_000n;
  await link.cut();
  await waitFor('the peer to run the job again', () => readMarks(record).some((m) => m.kind === 'start' && m.node === 'peer'), 45_000, 50);
  const results = await waitAllFinished(connect, root, 1, 30_000);

  const marks = readMarks(record).filter((m) => m.job === id);
  const first = marks.filter((m) => m.node === 'cut');
  const second = marks.filter((m) => m.node === 'peer');
  const lastAlive = first.reduce((a, m) => (m.ns > a ? m.ns : a), 0n);
  const secondStart = second.find((m) => m.kind === 'start') as Mark;
  t.diagnostic(`first run last alive ${seconds(lastAlive - cutAt)} s after the cut; second run started ${seconds(secondStart.ns - cutAt)} s after it`);
  assert.equal(marks.filter((m) => m.kind === 'start').length, 2, 'the job ran twice: on cut, then on peer');
  assert.ok(!first.some((m) => m.kind === 'end'), 'the first run was killed, not finished');
  assert.equal(secondStart.extra, '-', `no process of the first run was alive when the second started (alive: ${secondStart.extra})`);
  assert.ok(lastAlive < secondStart.ns, `the first run's last mark is ${seconds(lastAlive - secondStart.ns)} s after the second run's start`);

  assert.equal(results.length, 1);
  assert.equal(results[0].result?.state, 'succeeded');
  assert.equal(results[0].result?.node, 'peer', 'the one result is the re-run');
  assert.doesNotMatch(cut.log, new RegExp(`job finished[^\\n]*${id}`), 'the cut-off daemon recorded nothing for the job');

  await link.heal();
  await cut.waitForLog(/session expired/, 45_000);
  const later = await run('zkjobc', ['submit', '--zk', connect, '--root', root, '-q', 'after', '--wait', '--', 'true'], { timeoutMs: 45_000 });
  assert.equal(later.code, 0, `a job of a queue only cut serves runs after the link heals: ${later.stderr}`);
  assert.match(await ok('zkjobc', ['status', '--zk', connect, '--root', root, later.stdout.trim()]), /succeeded exit 0 on cut/);
}
