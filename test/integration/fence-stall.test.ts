// The fence also fires while the connection still looks up: a server that
// answers nothing for longer than the TERM point (here a frozen ZooKeeper)
// may be about to expire us, so the daemon kills its job. When the server
// answers again with the session intact, the killed job's claim must be
// released, or the job would stay claimed by a live session and never run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { standaloneFixture } from '../helpers/fixture.js';
import { freshRoot, startDaemon } from '../helpers/cli.js';
import { recordFile, submitRecorded, waitAllFinished } from '../helpers/jobs.js';
import { readRunEvents } from '../helpers/run-records.js';
import { waitFor } from '../helpers/zk-server.js';

const fixture = standaloneFixture();

test('a stall past the TERM point: the job is killed, its claim released, and it runs again to one result', async () => {
  const root = freshRoot();
  const record = recordFile('stall');
  const connect = fixture.zk().connectString;
  // 10 s session, 5 s grace: TERM after 4 s of silence, the binding's disconnection only after about 6.7 s.
  const daemon = await startDaemon({ zk: connect, root, nodeId: 'stalled', slots: 1, args: ['--session-timeout', '10s', '--kill-grace', '5s'] });
  fixture.daemons.push(daemon);
  const [id] = await submitRecorded(connect, root, record, 1, '6');
  await waitFor('the job to start', () => readRunEvents(record).some((e) => e.kind === 'start'), 20_000);

  const server = fixture.zk().members[0];
  server.freeze();
  try {
    await daemon.waitForLog(/no answer from ZooKeeper for too long/, 15_000);
  } finally {
    server.thaw();
  }
  await daemon.waitForLog(/killing job: claim lost/);
  await waitFor('the job to run again', () => readRunEvents(record).filter((e) => e.kind === 'start').length === 2, 30_000, 100);
  const [job] = await waitAllFinished(connect, root, 1, 30_000);
  assert.equal(job.id, id);
  assert.equal(job.result?.state, 'succeeded');
  assert.equal(readRunEvents(record).filter((e) => e.kind === 'end').length, 1, 'the killed run never finished; the re-run did');
  assert.doesNotMatch(daemon.log, /session expired/, 'the session lived through the stall');
});
