// A daemon frozen (SIGSTOP) past its session timeout while running jobs:
// its peers re-run the jobs; when it wakes it kills its children, records
// nothing for them, starts a new session, re-registers and goes on claiming.
import { test } from 'node:test';
import { standaloneFixture } from '../helpers/fixture.js';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/zk-server.js';
import { freshRoot, ok, run, startDaemon, type DaemonProcess } from '../helpers/cli.js';
import { readRunEvents } from '../helpers/run-records.js';
import { recordFile, submitRecorded, waitAllFinished } from '../helpers/jobs.js';

const fixture = standaloneFixture();
const daemons = fixture.daemons;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('frozen past the session timeout: peers re-run, the frozen daemon kills its jobs and rejoins', async () => {
  const root = freshRoot();
  const record = recordFile('freeze');
  const frozen = await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'frozen', slots: 2 });
  daemons.push(frozen);
  const ids = await submitRecorded(fixture.zk().connectString, root, record, 2, '12');
  await waitFor('both jobs to start on frozen', () => readRunEvents(record).filter((e) => e.kind === 'start').length === 2, 20_000);
  const orphans = readRunEvents(record).map((e) => e.pid);
  const peer = await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'peer', slots: 2 });
  daemons.push(peer);

  frozen.signal('SIGSTOP');
  await waitFor('the peer to re-run both jobs', () => readRunEvents(record).filter((e) => e.kind === 'start' && e.node === 'peer').length === 2, 30_000, 100);
  assert.ok(orphans.every(alive), "the frozen daemon's jobs still run while it is frozen");
  frozen.signal('SIGCONT');

  await waitFor("the woken daemon to kill its jobs' processes", () => !orphans.some(alive), 15_000, 100);
  await frozen.waitForLog(/session expired/);
  await waitFor('frozen to register again', async () => (await ok('zkjobq', ['nodes', '--zk', fixture.zk().connectString, '--root', root])).includes('frozen'), 20_000, 200);

  const results = await waitAllFinished(fixture.zk().connectString, root, 2, 30_000);
  assert.deepEqual(results.map((r) => [r.id, r.state, r.node]), ids.map((id) => [id, 'succeeded', 'peer']));
  assert.ok(!readRunEvents(record).some((e) => e.kind === 'end' && e.node === 'frozen'), 'the frozen runs never finished');

  await peer.stop();
  const after = await run('zkjobc', ['submit', '--zk', fixture.zk().connectString, '--root', root, '--wait', '--', 'true'], { timeoutMs: 30_000 });
  assert.equal(after.code, 0, 'the woken daemon claims new work');
  assert.match(await ok('zkjobc', ['status', '--zk', fixture.zk().connectString, '--root', root, after.stdout.trim()]), /succeeded exit 0 on frozen/);
});
