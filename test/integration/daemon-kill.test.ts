// A daemon killed with SIGKILL in the middle of a job: a peer runs the job
// again once the dead daemon's session expires, and the job has one result.
import { test } from 'node:test';
import { standaloneFixture } from '../helpers/fixture.js';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '../helpers/zk-server.js';
import { FIXTURES, freshRoot, ok, run, startDaemon, type DaemonProcess } from '../helpers/cli.js';
import { readRunEvents } from '../helpers/run-records.js';

const fixture = standaloneFixture();
const daemons = fixture.daemons;

test('SIGKILL of the daemon running a job: a peer re-runs it, one result', async () => {
  const root = freshRoot();
  const record = path.join(mkdtempSync(path.join(os.tmpdir(), 'zkjobs-kill-')), 'runs');
  const first = await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'first', slots: 1 });
  daemons.push(first);
  const id = (await ok('zkjobc', ['submit', '--zk', fixture.zk().connectString, '--root', root, '--', path.join(FIXTURES, 'record-run.sh'), record, '8'])).trim();
  await waitFor('the job to start on first', () => readRunEvents(record).some((e) => e.kind === 'start' && e.node === 'first'));
  first.signal('SIGKILL');
  await first.exited;
  daemons.push(await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'second', slots: 1 }));

  const waited = await run('zkjobc', ['wait', '--zk', fixture.zk().connectString, '--root', root, id], { timeoutMs: 60_000 });
  assert.equal(waited.code, 0);
  const events = readRunEvents(record);
  const starts = events.filter((e) => e.kind === 'start');
  assert.deepEqual(starts.map((e) => e.node), ['first', 'second'], `runs: ${JSON.stringify(events.map((e) => `${e.kind} ${e.node} ${e.pid}`))}\n${daemons[1].log}`);
  const [status] = (await ok('zkjobc', ['status', '--zk', fixture.zk().connectString, '--root', root, '--json', id])).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(status.state, 'succeeded');
  assert.equal(status.result.node, 'second');
  assert.equal(status.result.attempt, 2, 'the re-run is the second attempt');
});
